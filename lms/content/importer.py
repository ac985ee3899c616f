"""Import a content/ tree into the database, all or nothing, without duplicates.

Everything is read and checked first (lms.content.loader); only a clean tree is written, through the
curriculum and document services, in the caller's transaction: the caller commits once on success and
rolls back on ContentErrors. A module whose files differ from its published revision gets a new revision.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lms import audit
from lms.content.loader import (
    Content,
    ContentErrors,
    DocumentSpec,
    ModuleSpec,
    Problem,
    ProgramSpec,
    load_content,
    normalise_body,
)
from lms.curriculum import services as curriculum
from lms.curriculum.models import Module, ModuleKind, ModuleRevision, Program
from lms.db import each_value, preparing
from lms.documents import services as documents
from lms.documents.models import Document, DocumentKind, DocumentRelation, RelationKind
from lms.errors import DomainError
from lms.extensions import db
from lms.learning import gift, quizzes
from lms.organisation import services as organisation
from lms.organisation.models import Locality, Title, TitleLevel
from lms.search import indexing as search

FIRST_SUMMARY = "Nhập từ tệp nội dung"
UPDATE_SUMMARY = "Cập nhật từ tệp nội dung"


@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    # The new modules' search terms, written after the import commits (index_imported).
    search_rows: list[dict] = field(default_factory=list, repr=False)

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated)

    def summary(self) -> str:
        if not self.changed:
            return "no change"
        parts = []
        for kind in ("titles", "documents", "modules", "quizzes", "programs"):
            bits = []
            if self.created[kind]:
                bits.append(f"{self.created[kind]} added")
            if self.updated[kind]:
                bits.append(f"{self.updated[kind]} updated")
            if bits:
                parts.append(f"{kind} " + ", ".join(bits))
        return "; ".join(parts)


def _current_localities() -> dict[str, Locality]:
    rows = db.session.scalars(sa.select(Locality).where(Locality.valid_to.is_(None)).order_by(Locality.valid_from))
    return {loc.code: loc for loc in rows}


def import_content(root: str | Path, *, actor=None,
                   on_progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Check the whole tree, then write it; raises ContentErrors (nothing written by this call survives a
    rollback) listing every problem with its file and line.

    Reading, checking and rendering run before the write lock is taken (lms.db.preparing); modules new to
    the database are then written together in a fixed number of statements. `on_progress(done, total)`
    counts modules: prepared, then written.
    """
    with preparing(db.session):
        titles = {t.code: t for t in db.session.scalars(sa.select(Title))}
        localities = {code: loc.id for code, loc in _current_localities().items()}
        db_documents = {code: doc.id for code, doc in _documents_by_code().items()}
        content = load_content(root, known_titles=set(titles), known_documents=set(db_documents),
                               known_localities=set(localities))
        existing = set(db.session.scalars(sa.select(Module.code)))
        fresh = _prepare_new_modules(content, existing, localities, on_progress)
        same = _unchanged_modules(content, localities, db_documents)
    titles = {t.code: t for t in db.session.scalars(sa.select(Title))}
    report = _Importer(content, actor, titles, _current_localities(), _documents_by_code(), fresh, same).run()
    if on_progress is not None:
        on_progress(2 * len(content.modules), 2 * len(content.modules))
    return report


def index_imported(report: ImportReport) -> int:
    """After the import has committed: the new modules' search terms, in short transactions of their own.

    A large tree has hundreds of thousands of terms (words, and pairs of words for phrases); written inside
    the import's transaction they held the write lock for many seconds. Web requests write between these
    batches. Should the process stop before the last one, `flask lms search reindex` writes them all again.
    """
    rows, report.search_rows = report.search_rows, []
    return search.insert_rows_in_batches(db.engine, rows)


def _unchanged_modules(content: Content, locality_ids: dict[str, int], document_ids: dict[str, int]) -> set[str]:
    """Codes of the existing modules whose files match their published revision, kind and places: compared
    before the write lock, so that re-importing a large unchanged tree writes (and locks) nothing for them."""
    codes = list(content.modules)
    modules = db.session.scalars(
        sa.select(Module).where(Module.code.in_(each_value(db.session, codes, sa.String())))
        .options(selectinload(Module.localities),
                 selectinload(Module.published).selectinload(ModuleRevision.lessons),
                 selectinload(Module.published).selectinload(ModuleRevision.documents))
    ).all() if codes else []
    same = set()
    for module in modules:
        spec = content.modules[module.code]
        if any(code not in document_ids for code in spec.documents) or module.published is None:
            continue
        wanted = _snapshot_of_spec(spec, [document_ids[code] for code in spec.documents])
        if (module.kind == ModuleKind(spec.kind) and _snapshot(module.published) == wanted
                and sorted(loc.id for loc in module.localities)
                == sorted(locality_ids[code] for code in spec.localities)):
            same.add(module.code)
    return same


def _prepare_new_modules(content: Content, existing: set[str], locality_ids: dict[str, int],
                         on_progress) -> dict[str, dict]:
    """The modules the database does not have yet, checked and rendered (Markdown, search terms) as plain
    values; their citations of documents are resolved when written (a document may be new too)."""
    fresh = {}
    total = len(content.modules)
    for done, spec in enumerate(content.modules.values()):
        if on_progress is not None and done % 50 == 0:
            on_progress(done, 2 * total)
        if spec.code in existing:
            continue
        try:
            module = curriculum.prepare_module(
                code=spec.code, kind=spec.kind, title=spec.title, summary_md=spec.summary_md,
                locality_ids=[locality_ids[code] for code in spec.localities],
                lessons=[{"key": ls.key, "title": ls.title, "body_md": ls.body_md, "minutes": ls.minutes}
                         for ls in spec.lessons])
        except DomainError as refused:
            raise ContentErrors([Problem(spec.path, 1, refused.message)]) from refused
        module["search"] = search.revision_rows(module["code"], module["title"], module["summary_html"],
                                                module["summary_md"])
        for lesson in module["lessons"]:
            lesson["search"] = search.lesson_rows(lesson["title"], lesson["body_html"], lesson["body_md"])
        fresh[spec.code] = module
    return fresh


def _documents_by_code() -> dict[str, Document]:
    # Codes may repeat across Party terms; a citation by code means the latest such document.
    found: dict[str, Document] = {}
    for doc in db.session.scalars(sa.select(Document).order_by(Document.issued_on, Document.id)):
        found[doc.code] = doc
    return found


class _Importer:
    def __init__(self, content: Content, actor, titles, localities, db_documents, fresh: dict[str, dict],
                 same: set[str]):
        self.content, self.actor, self.fresh, self.same = content, actor, fresh, same
        self.titles: dict[str, Title] = titles
        self.localities: dict[str, Locality] = localities
        self.documents: dict[str, Document] = dict(db_documents)
        self.report = ImportReport()

    def run(self) -> ImportReport:
        self._titles()
        self._documents()
        modules = self._create_new_modules() | self._unchanged()
        for spec in self.content.modules.values():
            if spec.code not in modules:
                modules[spec.code] = self._module(spec)
        for spec in self.content.modules.values():
            if spec.quiz is not None:
                self._quiz(spec, modules[spec.code])
        for spec in self.content.programs.values():
            self._program(spec, modules)
        db.session.flush()
        return self.report

    def _fail(self, path: str, line: int, error: DomainError | str) -> None:
        reason = error.message if isinstance(error, DomainError) else str(error)
        raise ContentErrors([Problem(path, line, reason)])

    # -- titles -------------------------------------------------------------------------------------
    def _titles(self) -> None:
        for spec in self.content.titles.values():
            if spec.code in self.titles:
                self.report.unchanged["titles"] += 1
                continue
            try:
                title = organisation.save_title(None, None, code=spec.code, name=spec.name,
                                                level=TitleLevel(spec.level), group=spec.group, is_key=spec.is_key)
            except DomainError as refused:
                self._fail(spec.path, spec.line, refused)
            audit.record(self.actor, "title.import", title, code=spec.code)
            self.titles[spec.code] = title
            self.report.created["titles"] += 1

    # -- documents ----------------------------------------------------------------------------------
    def _documents(self) -> None:
        for spec in self._documents_in_order():
            existing = db.session.scalar(sa.select(Document).where(
                Document.kind == DocumentKind(spec.kind), Document.number == spec.number,
                Document.issuer == spec.issuer, Document.issued_on == spec.issued_on))
            relations = [(RelationKind(r.kind), self.documents[r.target]) for r in spec.relations]
            try:
                if existing is None:
                    doc = documents.register_document(
                        self.actor, code=spec.code, kind=spec.kind, number=spec.number, issuer=spec.issuer,
                        issued_on=spec.issued_on, title=spec.title, term=spec.term, summary=spec.summary,
                        source=spec.source, relations=relations)
                    self.report.created["documents"] += 1
                else:
                    doc = existing
                    if self._update_document(doc, spec, relations):
                        self.report.updated["documents"] += 1
                    else:
                        self.report.unchanged["documents"] += 1
            except DomainError as refused:
                self._fail(spec.path, spec.line, refused)
            self.documents[spec.code] = doc

    def _documents_in_order(self) -> list[DocumentSpec]:
        """Targets before the documents that relate to them, so relations can be made at registration."""
        done: dict[str, None] = {}

        def visit(code: str) -> None:
            if code in done or code not in self.content.documents:
                return
            for rel in self.content.documents[code].relations:
                visit(rel.target)
            done[code] = None

        for code in self.content.documents:
            visit(code)
        return [self.content.documents[code] for code in done]

    def _update_document(self, doc: Document, spec: DocumentSpec, relations) -> bool:
        changed = False
        fields = {"code": spec.code, "title": spec.title, "term": spec.term, "summary": spec.summary,
                  "source": spec.source}
        differs = {k: v for k, v in fields.items() if (getattr(doc, k) or None) != (v or None)}
        if differs:
            for key, value in differs.items():
                setattr(doc, key, value)
            doc.code_key = documents.fold_code(doc.code)
            audit.record(self.actor, "document.update", doc, fields=sorted(differs))
            changed = True
        have = {(r.kind, r.target_id) for r in db.session.scalars(
            sa.select(DocumentRelation).where(DocumentRelation.source_id == doc.id))}
        new = [(kind, target) for kind, target in relations if (kind, target.id) not in have]
        if new:
            documents.add_relations(self.actor, doc, new)
            changed = True
        return changed

    # -- modules ------------------------------------------------------------------------------------
    def _unchanged(self) -> dict[str, Module]:
        """The modules found unchanged before the lock: loaded together, nothing written."""
        if not self.same:
            return {}
        self.report.unchanged["modules"] += len(self.same)
        return {m.code: m for m in db.session.scalars(
            sa.select(Module).where(Module.code.in_(each_value(db.session, sorted(self.same), sa.String()))))}

    def _create_new_modules(self) -> dict[str, Module]:
        """Write the prepared new modules in one go, with their search terms; those another writer created
        meanwhile go through `_module` like any existing module."""
        taken = set(db.session.scalars(sa.select(Module.code).where(
            Module.code.in_(each_value(db.session, list(self.fresh), sa.String()))))) if self.fresh else set()
        prepared = [dict(m, document_ids=[self.documents[code].id for code in self.content.modules[c].documents])
                    for c, m in self.fresh.items() if c not in taken]
        written = curriculum.create_published_modules(self.actor, prepared, change_summary=FIRST_SUMMARY)
        rows = []
        for module in prepared:
            ids = written[module["code"]]
            rows += [dict(row, object_id=ids["revision_id"], module_id=ids["module_id"]) for row in module["search"]]
            for lesson in module["lessons"]:
                rows += [dict(row, object_id=ids["lessons"][lesson["key"]], module_id=ids["module_id"])
                         for row in lesson["search"]]
        self.report.search_rows += rows
        self.report.created["modules"] += len(prepared)
        module_ids = [ids["module_id"] for ids in written.values()]
        return {m.code: m for m in db.session.scalars(
            sa.select(Module).where(Module.id.in_(each_value(db.session, module_ids))))} if module_ids else {}

    def _module(self, spec: ModuleSpec) -> Module:
        module = db.session.scalar(sa.select(Module).where(Module.code == spec.code))
        locality_ids = [self.localities[code].id for code in spec.localities]
        document_ids = [self.documents[code].id for code in spec.documents]
        lessons = [{"key": ls.key, "title": ls.title, "body_md": ls.body_md, "minutes": ls.minutes}
                   for ls in spec.lessons]
        wanted = _snapshot_of_spec(spec, document_ids)
        try:
            if module is None:
                module = curriculum.create_module(self.actor, code=spec.code, kind=spec.kind, title=spec.title,
                                                  summary_md=spec.summary_md, locality_ids=locality_ids)
                draft = curriculum.current_draft(module)
                curriculum.save_draft(self.actor, draft, lock_version=draft.lock_version, title=spec.title,
                                      summary_md=spec.summary_md, lessons=lessons, document_ids=document_ids)
                curriculum.publish(self.actor, draft, change_summary=FIRST_SUMMARY)
                self.report.created["modules"] += 1
                return module
            changed = False
            if (module.kind != ModuleKind(spec.kind)
                    or sorted(loc.id for loc in module.localities) != sorted(locality_ids)):
                curriculum.update_module(self.actor, module, kind=spec.kind, locality_ids=locality_ids)
                changed = True
            published = module.published
            if published is None or _snapshot(published) != wanted:
                draft = curriculum.current_draft(module)
                if draft is not None and _snapshot(draft) != wanted and (
                        published is None or _snapshot(draft) != _snapshot(published)):
                    self._fail(spec.path, 1, _("học phần %(code)s đang có bản nháp chưa xuất bản trong ứng dụng "
                                               "khác với tệp; hãy xuất bản hoặc bỏ bản nháp đó trước khi nhập",
                                               code=spec.code))
                draft = draft or curriculum.get_or_create_draft(self.actor, module)
                if _snapshot(draft) != wanted:
                    curriculum.save_draft(self.actor, draft, lock_version=draft.lock_version, title=spec.title,
                                          summary_md=spec.summary_md, lessons=lessons, document_ids=document_ids)
                curriculum.publish(self.actor, draft,
                                   change_summary=FIRST_SUMMARY if published is None else UPDATE_SUMMARY)
                changed = True
        except DomainError as refused:
            self._fail(spec.path, 1, refused)
        if changed:
            self.report.updated["modules"] += 1
        else:
            self.report.unchanged["modules"] += 1
        return module

    # -- question banks -----------------------------------------------------------------------------
    def _quiz(self, spec: ModuleSpec, module: Module) -> None:
        """A module's quiz.gift fills its quiz once; afterwards lecturers keep the bank in the application."""
        quiz = quizzes.quiz_for(module.id)
        if quiz is not None and quiz.questions:
            parsed, _problems = gift.parse(spec.quiz)
            if _bank(quiz.questions) != _bank(parsed):
                self.report.notes.append(_("học phần %(code)s: ngân hàng câu hỏi trong ứng dụng khác tệp quiz.gift "
                                           "và được giữ nguyên", code=spec.code))
            self.report.unchanged["quizzes"] += 1
            return
        try:
            quizzes.import_gift(self.actor, quiz or quizzes.get_or_create_quiz(self.actor, module), spec.quiz)
        except DomainError as refused:
            self._fail(spec.path, 1, refused)
        self.report.created["quizzes"] += 1

    # -- programs -----------------------------------------------------------------------------------
    def _program(self, spec: ProgramSpec, modules: dict[str, Module]) -> None:
        program = db.session.scalar(sa.select(Program).where(Program.code == spec.code))
        items = [(modules[item.module], item.required, item.due_days) for item in spec.items]
        wanted = (spec.name, spec.description, sorted(spec.titles),
                  [(item.module, item.required, item.due_days) for item in spec.items],
                  spec.required_theory_level, spec.hours, spec.validity_months, spec.grade_scale)
        if program is not None and _program_snapshot(program) == wanted:
            self.report.unchanged["programs"] += 1
            return
        try:
            curriculum.save_program(
                self.actor, program, code=spec.code, name=spec.name, description=spec.description,
                title_ids=[self.titles[code].id for code in spec.titles], items=items,
                required_theory_level=spec.required_theory_level, hours=spec.hours,
                validity_months=spec.validity_months, grade_scale=spec.grade_scale)
        except DomainError as refused:
            self._fail(spec.path, 1, refused)
        if program is None:
            self.report.created["programs"] += 1
        else:
            self.report.updated["programs"] += 1


def _snapshot(revision: ModuleRevision) -> tuple:
    return (revision.title, normalise_body(revision.summary_md),
            [(ls.key, ls.title, normalise_body(ls.body_md), ls.minutes) for ls in revision.lessons],
            sorted(doc.id for doc in revision.documents))


def _snapshot_of_spec(spec: ModuleSpec, document_ids: list[int]) -> tuple:
    return (spec.title, spec.summary_md, [(ls.key, ls.title, ls.body_md, ls.minutes) for ls in spec.lessons],
            sorted(document_ids))


def _bank(questions) -> list[tuple]:
    return [(str(q.kind), q.category, q.title, q.text, q.feedback,
             [(c.text, round(c.weight, 4), c.feedback) for c in q.choices]) for q in questions]


def _program_snapshot(program: Program) -> tuple:
    return (program.name, normalise_body(program.description), sorted(t.code for t in program.titles),
            [(item.module.code, item.required, item.due_days) for item in program.items],
            program.required_theory_level, program.hours, program.validity_months, str(program.grade_scale))
