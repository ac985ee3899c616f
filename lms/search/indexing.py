"""Keeping the search index current.

The index follows the flushes, once per flush: a flush that touches a draft revision, a lesson or a module
row (its code; publishing sets its published revision) reindexes that module in the same transaction,
and a flush that adds or edits a document reindexes the document. That covers publishing and registering
too, so the domain events (signals.revision_published, signals.document_registered) need no receiver
here: one would index the same module a second time. Everything works on Core statements over the
session's connection, so it is safe inside flush events and reads what the transaction has written.
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from markupsafe import Markup

from lms.curriculum.models import Lesson, Module, ModuleRevision
from lms.documents.models import KIND_WORDS, Document, DocumentKind
from lms.extensions import db
from lms.search.models import SearchKind, SearchTerm
from lms.search.text import code_keys, nfc, spans, word_pairs

# Field weights; a token's weight is the sum over fields of weight x min(occurrences, TF_CAP).
CODE, TITLE, SUMMARY, LABEL, BODY = 10, 8, 3, 2, 1
TF_CAP = 3

terms = SearchTerm.__table__
modules = Module.__table__
revisions = ModuleRevision.__table__
lessons = Lesson.__table__
documents = Document.__table__


def plain_text(html: str | None, fallback: str | None = "") -> str:
    """Stored sanitised HTML as plain text (Markdown source when nothing was rendered)."""
    return Markup(html).striptags() if html else (fallback or "")


def _rows(kind: SearchKind, object_id: int, module_id: int | None, draft: bool,
          fields: list[tuple[str | None, int]], keys: tuple[str, ...] = ()) -> list[dict]:
    weights: dict[str, list] = {}
    for text, weight in fields:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        text = nfc(text)
        found = spans(text)
        for _start, _end, term, exact in found:
            counts[(term, exact)] += 1
        for pair in word_pairs(text, found):
            counts[pair] += 1
        for (term, exact), n in counts.items():
            weights.setdefault(exact, [term, 0])[1] += weight * min(n, TF_CAP)
    for key in keys:
        if key:
            weights.setdefault(key, [key, 0])[1] += CODE
    return [
        {"kind": kind.value, "object_id": object_id, "module_id": module_id, "draft": draft,
         "term": term, "exact": exact, "weight": weight}
        for exact, (term, weight) in sorted(weights.items())
    ]


def revision_rows(code: str, title: str, summary_html: str, summary_md: str) -> list[dict]:
    """A published revision's rows as `index_module` writes them, with object_id and module_id to fill in:
    tokenised ahead of time, so that a bulk import only inserts them (see `insert_rows`)."""
    return _rows(SearchKind.MODULE, None, None, False,
                 [(title, TITLE), (code, TITLE), (plain_text(summary_html, summary_md), SUMMARY)])


def lesson_rows(title: str, body_html: str, body_md: str) -> list[dict]:
    """A published lesson's rows, like `revision_rows`."""
    return _rows(SearchKind.LESSON, None, None, False, [(title, TITLE), (plain_text(body_html, body_md), BODY)])


_COLUMNS = ("kind", "object_id", "module_id", "draft", "term", "exact", "weight")


def insert_rows(conn: sa.Connection, rows: list[dict]) -> None:
    """Insert many rows straight through the driver (COPY on PostgreSQL), in the order of the term index:
    hundreds of thousands of terms for a large import, where per-row parameter handling would dominate."""
    if not rows:
        return
    values = [(row["kind"], row["object_id"], row["module_id"], row["draft"], row["term"], row["exact"],
               row["weight"]) for row in rows]
    values.sort(key=lambda v: (v[4], v[0], v[1]))
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY search_terms ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
        return
    conn.exec_driver_sql(f"INSERT INTO search_terms ({', '.join(_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [(*v[:3], int(v[3]), *v[4:]) for v in values])


# Terms written per transaction by insert_rows_in_batches: well under a second of the write lock each.
BATCH_ROWS = 20_000


def insert_rows_in_batches(engine: sa.Engine, rows: list[dict], batch: int | None = None) -> int:
    """Insert rows in transactions of `batch` rows each (BATCH_ROWS by default), in the order of the term
    index; the number of transactions."""
    batch = batch or BATCH_ROWS
    rows = sorted(rows, key=lambda row: (row["term"], row["kind"], row["object_id"]))
    for start in range(0, len(rows), batch):
        with engine.begin() as conn:
            insert_rows(conn, rows[start:start + batch])
    return -(-len(rows) // batch)


def index_module(conn: sa.Connection, module_id: int) -> int:
    """Replace a module's rows: its published revision and its draft, with their lessons."""
    # Locking the module row first makes two transactions reindexing one module take turns, so the second
    # deletes what the first inserted instead of adding a second copy.
    module = conn.execute(
        sa.select(modules.c.code, modules.c.published_revision_id).where(modules.c.id == module_id)
        .with_for_update()
    ).first()
    conn.execute(terms.delete().where(terms.c.module_id == module_id))
    if module is None:
        return 0
    shown = conn.execute(
        sa.select(revisions.c.id, revisions.c.number, revisions.c.title, revisions.c.summary_md,
                  revisions.c.summary_html)
        .where(revisions.c.module_id == module_id,
               sa.or_(revisions.c.id == module.published_revision_id, revisions.c.number.is_(None)))
    ).all()
    rows = []
    draft_of = {}
    for rev in shown:
        draft_of[rev.id] = rev.number is None
        rows += _rows(SearchKind.MODULE, rev.id, module_id, rev.number is None,
                      [(rev.title, TITLE), (module.code, TITLE), (plain_text(rev.summary_html, rev.summary_md),
                                                                   SUMMARY)])
    if draft_of:
        for lesson in conn.execute(
            sa.select(lessons.c.id, lessons.c.revision_id, lessons.c.title, lessons.c.body_md,
                      lessons.c.body_html).where(lessons.c.revision_id.in_(draft_of))
        ):
            rows += _rows(SearchKind.LESSON, lesson.id, module_id, draft_of[lesson.revision_id],
                          [(lesson.title, TITLE), (plain_text(lesson.body_html, lesson.body_md), BODY)])
    insert_rows(conn, rows)
    return len(shown)


def index_document(conn: sa.Connection, document_id: int) -> int:
    """Replace a document's rows: its code (also as folded keys, see `code_keys`), kind, title, issuer and
    summary."""
    doc = conn.execute(sa.select(documents).where(documents.c.id == document_id).with_for_update()).first()
    conn.execute(terms.delete().where(terms.c.kind == SearchKind.DOCUMENT.value,
                                      terms.c.object_id == document_id))
    if doc is None:
        return 0
    rows = _rows(SearchKind.DOCUMENT, doc.id, None, False,
                 [(doc.code, CODE), (doc.title, TITLE),
                  # "Nghị quyết 32-NQ/TW": the kind and the number as people write them, one phrase
                  (f"{KIND_WORDS.get(DocumentKind(doc.kind), '')} {doc.code}", LABEL),
                  (doc.issuer, LABEL), (doc.summary, SUMMARY)],
                 keys=code_keys(doc.code))
    insert_rows(conn, rows)
    return 1


def reindex_all(session) -> dict[str, int]:
    """Rebuild the whole index from the tables (idempotent)."""
    conn = session.connection()
    conn.execute(terms.delete())
    module_ids = session.scalars(sa.select(Module.id).order_by(Module.id)).all()
    document_ids = session.scalars(sa.select(Document.id).order_by(Document.id)).all()
    revisions_indexed = sum(index_module(conn, mid) for mid in module_ids)
    for did in document_ids:
        index_document(conn, did)
    total = session.scalar(sa.select(sa.func.count()).select_from(terms))
    return {"modules": len(module_ids), "revisions": revisions_indexed, "documents": len(document_ids),
            "terms": total}


# --- keeping it current ------------------------------------------------------------------------------

def _after_flush(session, _flush_context) -> None:
    stale = session.info.setdefault("search_stale", {"modules": set(), "revisions": set(), "documents": set()})
    for obj in session.new | session.dirty:
        if isinstance(obj, ModuleRevision) and obj.number is None:
            stale["modules"].add(obj.module_id)
        elif isinstance(obj, Lesson):
            stale["revisions"].add(obj.revision_id)
        elif isinstance(obj, Module) and obj in session.dirty:
            stale["modules"].add(obj.id)  # its code is indexed with each revision
        elif isinstance(obj, Document):
            stale["documents"].add(obj.id)  # documents have no drafts: any change shows at once
    for obj in session.deleted:
        if isinstance(obj, ModuleRevision):
            stale["modules"].add(obj.module_id)
        elif isinstance(obj, Module):
            stale["modules"].add(obj.id)
        elif isinstance(obj, Lesson):
            stale["revisions"].add(obj.revision_id)
        elif isinstance(obj, Document):
            stale["documents"].add(obj.id)


def _after_flush_postexec(session, _flush_context) -> None:
    stale = session.info.pop("search_stale", None)
    if not stale or not any(stale.values()):
        return
    conn = session.connection()
    module_ids = {m for m in stale["modules"] if m is not None}
    revision_ids = {r for r in stale["revisions"] if r is not None}
    if revision_ids:
        module_ids |= set(conn.scalars(sa.select(revisions.c.module_id).where(revisions.c.id.in_(revision_ids))))
    for module_id in sorted(module_ids):
        index_module(conn, module_id)
    for document_id in sorted(d for d in stale["documents"] if d is not None):
        index_document(conn, document_id)


def connect() -> None:
    """Install the flush hooks on the application's session (idempotent)."""
    if not sa.event.contains(db.session, "after_flush", _after_flush):
        sa.event.listen(db.session, "after_flush", _after_flush)
        sa.event.listen(db.session, "after_flush_postexec", _after_flush_postexec)
