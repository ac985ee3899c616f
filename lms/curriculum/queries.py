"""Read-side queries for curriculum pages."""
from __future__ import annotations

import heapq
import typing
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.curriculum.models import (
    FlagStatus,
    Lesson,
    Module,
    ModuleKind,
    ModuleRevision,
    Program,
    ProgramModule,
    ReviewFlag,
)
from lms.extensions import db
from lms.grading import DEFAULT_SCALE, GradeScale
from lms.text import fold_name, fold_words


def ordered_items(program, locality) -> list:
    """A program's published modules for a trainee: local topics of their own locality (or its province)
    first, then the others in program order; local topics of other localities are left out."""
    mine = {locality.id, locality.parent_id} - {None} if locality is not None else set()
    return trainee_order(program.items, published=lambda item: item.module.published_revision_id is not None,
                         local=lambda item: item.module.kind == ModuleKind.LOCAL_TOPIC,
                         mine=lambda item: bool({loc.id for loc in item.module.localities} & mine))


def trainee_order(items, *, published, local, mine) -> list:
    """The order a trainee meets a program's modules (`items` in program order, judged by the three callables):
    published local topics of their own locality first, then the other published modules; local topics of
    other localities are left out."""
    own, others = [], []
    for item in items:
        if not published(item):
            continue
        if local(item):
            if mine(item):
                own.append(item)
            continue
        others.append(item)
    return own + others


def grade_scale_of_module(module_id: int) -> GradeScale:
    """The scale a module's quiz scores are shown on: that of the programs holding it when they agree, else
    the default (10 points)."""
    scales = set(db.session.scalars(sa.select(Program.grade_scale).distinct().join(
        ProgramModule, ProgramModule.program_id == Program.id).where(ProgramModule.module_id == module_id)))
    return scales.pop() if len(scales) == 1 else DEFAULT_SCALE


def published_lesson(module: Module, key: str) -> Lesson | None:
    if module.published_revision_id is None:
        return None
    return db.session.scalar(sa.select(Lesson).where(Lesson.revision_id == module.published_revision_id,
                                                     Lesson.key == key))


def module_titles(module_ids) -> dict[int, str]:
    """The title a module goes by: its published revision's, else its draft's."""
    ids = list(set(module_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ModuleRevision.module_id, ModuleRevision.title, ModuleRevision.number)
        .join(Module, Module.id == ModuleRevision.module_id)
        .where(ModuleRevision.module_id.in_(ids),
               sa.or_(ModuleRevision.id == Module.published_revision_id, ModuleRevision.number.is_(None)))
    ).all()
    titles: dict[int, str] = {}
    for module_id, title, _number in sorted(rows, key=lambda r: r.number is None):
        titles.setdefault(module_id, title)
    return titles


def recent_closed_flags(limit: int = 30) -> sa.Select:
    return (sa.select(ReviewFlag).where(ReviewFlag.status != FlagStatus.OPEN)
            .options(selectinload(ReviewFlag.module), selectinload(ReviewFlag.new_document))
            .order_by(ReviewFlag.resolved_at.desc(), ReviewFlag.id.desc()).limit(limit))


MODULE_STATUSES = ("draft", "published", "flagged")


# What else makes a module a lecturer's own, added by the domains that know it (delivery: the modules of the
# classes they teach); each takes a user id and returns a select of module ids.
MINE_SOURCES: list[Callable[[int], sa.Select]] = []


def register_mine_source(source: Callable[[int], sa.Select]) -> None:
    if source not in MINE_SOURCES:
        MINE_SOURCES.append(source)


def authored_by(user_id: int) -> sa.Select | sa.CompoundSelect:
    """The ids of a lecturer's modules ("của tôi"): those they wrote or published a revision of, and those the
    registered sources count as theirs (the modules they teach). Modules imported from files have no author,
    so teaching them is what makes them someone's."""
    query = sa.select(ModuleRevision.module_id).where(
        sa.or_(ModuleRevision.author_id == user_id, ModuleRevision.published_by_id == user_id))
    for source in MINE_SOURCES:
        query = query.union(source(user_id))
    return query


def authoring_modules(*, author_id: int | None = None, q: str = "", status: str = "") -> sa.Select:
    """Modules for the authoring list: only a user's (`author_id`), matching `q` in their code, title or
    introduction (each word, diacritics ignored, the search index's way), in a status: draft (has one),
    published, flagged (an open review flag)."""
    from lms.search.models import SearchKind, SearchTerm
    from lms.search.text import TOKEN, fold

    query = sa.select(Module).options(selectinload(Module.published)).order_by(Module.code)
    if author_id is not None:
        query = query.where(Module.id.in_(authored_by(author_id)))
    for word in TOKEN.findall(fold(q))[:8]:
        query = query.where(Module.id.in_(sa.select(SearchTerm.module_id).where(
            SearchTerm.kind == SearchKind.MODULE, SearchTerm.term.startswith(word, autoescape=True))))
    if status == "draft":
        query = query.where(Module.id.in_(sa.select(ModuleRevision.module_id).where(ModuleRevision.number.is_(None))))
    elif status == "published":
        query = query.where(Module.published_revision_id.is_not(None))
    elif status == "flagged":
        query = query.where(Module.id.in_(sa.select(ReviewFlag.module_id).where(ReviewFlag.status == FlagStatus.OPEN)))
    return query


def last_changes(module_ids) -> dict[int, object]:
    """When each module last changed: a draft saved or a revision published (one grouped query)."""
    ids = list(module_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ModuleRevision.module_id, sa.func.max(ModuleRevision.updated_at),
                  sa.func.max(ModuleRevision.published_at))
        .where(ModuleRevision.module_id.in_(ids)).group_by(ModuleRevision.module_id))
    return {m: max(t for t in (saved, published) if t is not None) for m, saved, published in rows
            if saved or published}


def lecturer_desk(user_id: int, limit: int = 10) -> dict:
    """A lecturer's home: open review flags on their modules and drafts in progress (theirs, or of their
    modules), newest first."""
    mine = authored_by(user_id)
    flags = db.session.scalars(
        sa.select(ReviewFlag).where(ReviewFlag.status == FlagStatus.OPEN, ReviewFlag.module_id.in_(mine))
        .options(selectinload(ReviewFlag.module), selectinload(ReviewFlag.new_document))
        .order_by(ReviewFlag.raised_at.desc(), ReviewFlag.id.desc()).limit(limit)).all()
    drafts = db.session.scalars(
        sa.select(ModuleRevision).where(ModuleRevision.number.is_(None),
                                        sa.or_(ModuleRevision.author_id == user_id, ModuleRevision.module_id.in_(mine)))
        .options(selectinload(ModuleRevision.module))
        .order_by(ModuleRevision.updated_at.desc(), ModuleRevision.id.desc()).limit(limit)).all()
    return {"flags": flags, "drafts": drafts}


def drafts_of(module_ids) -> dict[int, ModuleRevision]:
    ids = list(module_ids)
    if not ids:
        return {}
    return {r.module_id: r for r in db.session.scalars(
        sa.select(ModuleRevision).where(ModuleRevision.module_id.in_(ids), ModuleRevision.number.is_(None)))}


def open_flag_counts(module_ids) -> dict[int, int]:
    ids = list(module_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(ReviewFlag.module_id, sa.func.count()).where(ReviewFlag.module_id.in_(ids),
                                                               ReviewFlag.status == FlagStatus.OPEN)
        .group_by(ReviewFlag.module_id)).all())


def citing_modules(document) -> list[tuple[Module, str]]:
    """Modules whose published revision cites the document, with that revision's title."""
    from lms.curriculum.models import revision_citations

    return db.session.execute(
        sa.select(Module, ModuleRevision.title)
        .join(ModuleRevision, Module.published_revision_id == ModuleRevision.id)
        .join(revision_citations, revision_citations.c.revision_id == ModuleRevision.id)
        .where(revision_citations.c.document_id == document.id).order_by(Module.code)
    ).all()


class Subject(typing.NamedTuple):
    key: str  # "p<id>" for a program, "m<id>" for a module
    name: str
    code: str
    exact: bool


def subjects_matching(text: str, limit: int = 20, *, programs: bool = True, modules: bool = True,
                      active_only: bool = True) -> list[Subject]:
    """What a class may deliver: active programs and modules (or programs only, or modules only; every program
    for a filter of past figures `active_only=False`), matching every word typed (name or code, without
    diacritics), whole names or codes first, then those starting with the text, programs before modules.

    One statement per kind whatever the catalogue holds; the names are folded in Python
    (hundreds of programs, thousands of modules), each once per process."""
    words = fold_words(text).split()[:5]
    queries = [sa.select(sa.literal("p"), Program.id, Program.name, Program.code)
               .where(Program.active if active_only else sa.true()).order_by(Program.name)] if programs else []
    if modules:
        queries.append(sa.select(sa.literal("m"), Module.id, sa.func.coalesce(ModuleRevision.title, ""), Module.code)
                       .outerjoin(ModuleRevision, ModuleRevision.id == Module.published_revision_id)
                       .order_by(Module.code))
    if not words:
        rows = [row for query in queries for row in db.session.execute(query.limit(limit))][:limit]
        return [Subject(f"{kind}{ident}", name, code, False) for kind, ident, name, code in rows]
    phrase = " ".join(words)
    ranked = []
    for kind, ident, name, code in (row for query in queries for row in db.session.execute(query)):
        folded_name, folded_code = fold_name(name), fold_name(code)
        if all(word in f"{folded_name} {folded_code}" for word in words):
            exact = phrase in (folded_name, folded_code)
            rank = 0 if exact else 1 if folded_name.startswith(phrase) or folded_code.startswith(phrase) else 2
            ranked.append((rank, len(ranked), Subject(f"{kind}{ident}", name, code, exact)))
    return [subject for *_, subject in heapq.nsmallest(limit, ranked)]
