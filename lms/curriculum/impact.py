"""What a new document does to the curriculum: flags on the modules that cite or mention the document it
supersedes or amends, the passages that mention it, and the rule for resolving a flag.

A flag is resolved when the module's published revision no longer relies on the old document alone
(it cites the new one, or no longer cites the old one) and each passage mentioning the old document was
edited (it is no longer in the current text: for lessons, in a newly published revision) or confirmed as
still correct with a note. Swapping the citation alone never resolves a flag that has passages.
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from lms import audit, signals
from lms.curriculum.models import (
    FlagStatus,
    Lesson,
    Module,
    ModuleRevision,
    PassageStatus,
    Program,
    ReviewFlag,
    ReviewPassage,
    revision_citations,
)
from lms.db import utcnow
from lms.documents import mentions
from lms.documents.services import ensure_author
from lms.errors import Conflict, InvalidInput
from lms.extensions import db
from lms.text import clean_name

# --- the places this domain holds ----------------------------------------------------------------


def _scan_lessons(digits: str):
    rows = db.session.execute(
        sa.select(ModuleRevision.module_id, Lesson.key, Lesson.position, Lesson.title, Lesson.body_md)
        .join(ModuleRevision, ModuleRevision.id == Lesson.revision_id)
        .join(Module, Module.published_revision_id == ModuleRevision.id)
        .where(sa.or_(Lesson.body_md.like(mentions.like_digits(digits)),
                      Lesson.title.like(mentions.like_digits(digits))))
        .order_by(ModuleRevision.module_id, Lesson.position))
    for module_id, key, position, title, body in rows:
        yield mentions.Place("lesson", key, _("Bài %(n)d: %(title)s", n=position + 1, title=title),
                             f"{title}\n{body}", module_id=module_id)


def _current_lessons(refs):
    module_ids = {m for m, _k in refs}
    rows = db.session.execute(
        sa.select(ModuleRevision.module_id, Lesson.key, Lesson.title, Lesson.body_md)
        .join(ModuleRevision, ModuleRevision.id == Lesson.revision_id)
        .join(Module, Module.published_revision_id == ModuleRevision.id)
        .where(Module.id.in_(module_ids))) if module_ids else []
    texts = {(m, k): f"{t}\n{b}" for m, k, t, b in rows}
    return {ref: texts.get(ref) for ref in refs}


def _scan_summaries(digits: str):
    rows = db.session.execute(
        sa.select(Module.id, ModuleRevision.title, ModuleRevision.summary_md)
        .join(ModuleRevision, Module.published_revision_id == ModuleRevision.id)
        .where(sa.or_(ModuleRevision.summary_md.like(mentions.like_digits(digits)),
                      ModuleRevision.title.like(mentions.like_digits(digits)))))
    for module_id, title, summary in rows:
        yield mentions.Place("summary", "-", _("Tên và giới thiệu học phần"), f"{title}\n{summary}",
                             module_id=module_id)


def _current_summaries(refs):
    module_ids = {m for m, _k in refs}
    rows = db.session.execute(
        sa.select(Module.id, ModuleRevision.title, ModuleRevision.summary_md)
        .join(ModuleRevision, Module.published_revision_id == ModuleRevision.id)
        .where(Module.id.in_(module_ids))) if module_ids else []
    texts = {(m, "-"): f"{t}\n{s}" for m, t, s in rows}
    return {ref: texts.get(ref) for ref in refs}


def _scan_programs(digits: str):
    rows = db.session.execute(sa.select(Program.id, Program.name, Program.description)
                              .where(Program.description.like(mentions.like_digits(digits))))
    for program_id, name, description in rows:
        yield mentions.Place("program", str(program_id), _("Giới thiệu chương trình %(name)s", name=name),
                             description, program_id=program_id)


def _current_programs(refs):
    ids = {p for p, _k in refs}
    rows = db.session.execute(sa.select(Program.id, Program.description).where(Program.id.in_(ids))) if ids else []
    texts = {(p, str(p)): d for p, d in rows}
    return {ref: texts.get(ref) for ref in refs}


def register_sources() -> None:
    for source in (mentions.Source("lesson", _scan_lessons, _current_lessons),
                   mentions.Source("summary", _scan_summaries, _current_summaries),
                   mentions.Source("program", _scan_programs, _current_programs)):
        mentions.register_source(source)


# --- raising flags -------------------------------------------------------------------------------


def flag_impact(actor, old, new, kind, reason: str) -> list[ReviewFlag]:
    """Flag every module whose published revision cites `old` or whose text mentions it, keeping each
    passage that mentions it; passages of program descriptions are kept without a flag."""
    citing = set(db.session.scalars(
        sa.select(Module.id)
        .join(revision_citations, revision_citations.c.revision_id == Module.published_revision_id)
        .where(revision_citations.c.document_id == old.id)))
    places = mentions.places_mentioning(old)
    by_module: dict[int, list] = defaultdict(list)
    for place, lines in places:
        if place.module_id is not None:
            by_module[place.module_id].append((place, lines))
    module_ids = sorted(citing | set(by_module))
    existing = {f.module_id: f for f in db.session.scalars(sa.select(ReviewFlag).where(
        ReviewFlag.old_document_id == old.id, ReviewFlag.new_document_id == new.id))}
    known = {(p.source, p.place_key, p.passage) for p in db.session.scalars(sa.select(ReviewPassage).where(
        ReviewPassage.old_document_id == old.id, ReviewPassage.new_document_id == new.id))}
    modules = {m.id: m for m in db.session.scalars(sa.select(Module).where(Module.id.in_(module_ids)))}
    flags = []
    for module_id in module_ids:
        flag = existing.get(module_id)
        raised = flag is None
        if raised:
            flag = ReviewFlag(module=modules[module_id], old_document_id=old.id, new_document_id=new.id,
                              relation=str(kind), reason=reason)
            db.session.add(flag)
        for place, lines in by_module.get(module_id, ()):
            _keep(flag.passages.append, old, new, place, lines, known)
        db.session.flush()
        if raised:
            audit.record(actor, "review_flag.raise", flag, module=modules[module_id].code, old=old.code,
                         new=new.code, reason=reason, passages=len(flag.passages))
            signals.review_flag_raised.send(flag=flag, actor=actor)
            flags.append(flag)
    for place, lines in places:
        if place.program_id is not None:
            _keep(db.session.add, old, new, place, lines, known, program_id=place.program_id)
    db.session.flush()
    return flags


def _keep(add, old, new, place, lines, known, **owner) -> None:
    for line in lines:
        if (place.source, place.key, line) in known:
            continue
        known.add((place.source, place.key, line))
        add(ReviewPassage(old_document_id=old.id, new_document_id=new.id, source=place.source,
                          place_key=place.key[:80], label=place.label[:255], passage=line, **owner))


# --- resolving -----------------------------------------------------------------------------------


def refresh_passages(actor, passages) -> None:
    """Mark as edited the open passages no longer found, unchanged, in their place's current text."""
    waiting = [p for p in passages if p.status == PassageStatus.OPEN]
    by_source: dict[str, list] = defaultdict(list)
    for passage in waiting:
        by_source[passage.source].append(passage)
    now = utcnow()
    for name, items in by_source.items():
        source = mentions.SOURCES.get(name)
        if source is None:
            continue
        refs = [(_owner(p), p.place_key) for p in items]
        texts = source.current(refs)
        for passage, ref in zip(items, refs, strict=True):
            if not mentions.still_there(passage.passage, texts.get(ref)):
                passage.status, passage.handled_at = PassageStatus.EDITED, now
                passage.handled_by_id = getattr(actor, "id", None)
    db.session.flush()


def _owner(passage: ReviewPassage) -> int | None:
    return passage.program_id if passage.program_id is not None else passage.flag.module_id


def blockers(flag: ReviewFlag, cited: set[int] | None = None) -> list[str]:
    """Why `flag` cannot be resolved yet (empty: it can)."""
    problems = []
    if cited is None:
        cited = set(db.session.scalars(sa.select(revision_citations.c.document_id).where(
            revision_citations.c.revision_id == flag.module.published_revision_id)))
    if flag.old_document_id in cited and flag.new_document_id not in cited:
        problems.append(_("Học phần vẫn trích dẫn %(old)s mà chưa trích dẫn %(new)s.",
                          old=flag.old_document.code, new=flag.new_document.code))
    waiting = [p for p in flag.passages if p.status == PassageStatus.OPEN]
    if waiting:
        problems.append(ngettext(
            "Còn %(num)d đoạn nhắc đến %(old)s chưa được sửa hoặc xác nhận là vẫn đúng (%(places)s). "
            "Chỉ đổi văn bản trích dẫn là chưa đủ.",
            "Còn %(num)d đoạn nhắc đến %(old)s chưa được sửa hoặc xác nhận là vẫn đúng (%(places)s). "
            "Chỉ đổi văn bản trích dẫn là chưa đủ.",
            len(waiting), old=flag.old_document.code,
            places="; ".join(dict.fromkeys(p.label for p in waiting))))
    return problems


def _resolve(actor, flag: ReviewFlag, revision_id: int | None) -> None:
    flag.status, flag.resolved_at = FlagStatus.RESOLVED, utcnow()
    flag.resolved_by_id, flag.resolved_revision_id = getattr(actor, "id", None), revision_id
    audit.record(actor, "review_flag.resolve", flag, module=flag.module.code, revision_id=revision_id)


def settle_on_publish(actor, module: Module, revision: ModuleRevision) -> list[ReviewFlag]:
    """After publishing: resolve the module's open flags that nothing blocks any more; returns those still open."""
    flags = db.session.scalars(sa.select(ReviewFlag).where(
        ReviewFlag.module_id == module.id, ReviewFlag.status == FlagStatus.OPEN)
        .options(selectinload(ReviewFlag.passages))).all()
    if not flags:
        return []
    refresh_passages(actor, [p for f in flags for p in f.passages])
    cited = {doc.id for doc in revision.documents}
    still = []
    for flag in flags:
        if blockers(flag, cited):
            still.append(flag)
        else:
            _resolve(actor, flag, revision.id)
    db.session.flush()
    return still


def resolve_flag(actor, flag: ReviewFlag) -> ReviewFlag:
    """Close a flag whose passages were all edited or confirmed and whose module cites the new document."""
    ensure_author(actor)
    if flag.status != FlagStatus.OPEN:
        raise Conflict(_("Yêu cầu rà soát này đã được xử lý."))
    refresh_passages(actor, flag.passages)
    problems = blockers(flag)
    if problems:
        raise InvalidInput(" ".join(problems), problems)
    _resolve(actor, flag, flag.module.published_revision_id)
    db.session.flush()
    return flag


def confirm_passage(actor, passage: ReviewPassage, note: str) -> ReviewPassage:
    """A lecturer judges a passage still correct as it stands, and says why."""
    ensure_author(actor)
    note = clean_name(note)
    if not note:
        raise InvalidInput(_("Hãy ghi vì sao đoạn này vẫn đúng."), [_("Hãy ghi vì sao đoạn này vẫn đúng.")])
    if passage.status != PassageStatus.OPEN:
        raise Conflict(_("Đoạn này đã được xử lý."))
    passage.status, passage.note = PassageStatus.CONFIRMED, note
    passage.handled_at, passage.handled_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "review_passage.confirm", passage, source=passage.source, key=passage.place_key,
                 note=note)
    return passage


def open_passage_count(flag: ReviewFlag) -> int:
    return sum(p.status == PassageStatus.OPEN for p in flag.passages)


# --- reading -------------------------------------------------------------------------------------


def still_citing() -> set[int]:
    """The open flags whose module's published revision cites the old document and not the new one (one
    query): what `blockers` refuses."""
    new = revision_citations.alias("new_citation")
    return set(db.session.scalars(
        sa.select(ReviewFlag.id)
        .join(Module, Module.id == ReviewFlag.module_id)
        .join(revision_citations, sa.and_(revision_citations.c.revision_id == Module.published_revision_id,
                                          revision_citations.c.document_id == ReviewFlag.old_document_id))
        .where(ReviewFlag.status == FlagStatus.OPEN,
               ~sa.exists().where(new.c.revision_id == Module.published_revision_id,
                                  new.c.document_id == ReviewFlag.new_document_id))))


def program_passages(*, new_document_id: int | None = None, open_only: bool = True) -> sa.Select:
    """Passages of program descriptions (they have no flag)."""
    query = (sa.select(ReviewPassage).where(ReviewPassage.program_id.is_not(None))
             .options(selectinload(ReviewPassage.program), selectinload(ReviewPassage.old_document))
             .order_by(ReviewPassage.id))
    if open_only:
        query = query.where(ReviewPassage.status == PassageStatus.OPEN)
    if new_document_id is not None:
        query = query.where(ReviewPassage.new_document_id == new_document_id)
    return query


def impact_of(document) -> tuple[list[ReviewFlag], list[ReviewPassage], set[int]]:
    """What registering `document` did: its flags (any status) with their passages, the passages of program
    descriptions, and which flagged modules' published revisions cite the old document."""
    flags = db.session.scalars(
        sa.select(ReviewFlag).where(ReviewFlag.new_document_id == document.id)
        .options(selectinload(ReviewFlag.module), selectinload(ReviewFlag.old_document),
                 selectinload(ReviewFlag.passages))
        .order_by(ReviewFlag.id)).all()
    programs = db.session.scalars(program_passages(new_document_id=document.id, open_only=False)).all()
    citing = set()
    if flags:
        citing = {module_id for module_id, in db.session.execute(
            sa.select(Module.id)
            .join(revision_citations, revision_citations.c.revision_id == Module.published_revision_id)
            .join(ReviewFlag, sa.and_(ReviewFlag.module_id == Module.id,
                                      ReviewFlag.old_document_id == revision_citations.c.document_id))
            .where(ReviewFlag.new_document_id == document.id))}
    return flags, programs, citing
