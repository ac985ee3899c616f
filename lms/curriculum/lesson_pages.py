"""What the lesson page reads. A lesson of a published revision never changes, so each worker reads it once
and keeps it; what can change (which revision is current, open review flags, the cited documents' status)
is read on every view, in one statement. What the page shows the same to every trainee (the lesson's text,
its pager and cited documents) is rendered once per worker, language and state of those facts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from lms.caching import BoundedCache
from lms.curriculum.models import FlagStatus, Lesson, Module, ModuleRevision, ReviewFlag, revision_citations
from lms.db import run
from lms.documents.models import Document
from lms.extensions import db

PUBLISHED_LESSONS = BoundedCache("published lessons", 2048)
LESSON_FRAGMENTS = BoundedCache("lesson fragments", 2048)


@dataclass(frozen=True)
class RevisionRef:
    id: int
    module_id: int
    title: str
    is_draft: bool = False


@dataclass(frozen=True)
class LessonLink:
    id: int
    title: str


@dataclass(frozen=True)
class PublishedLesson:
    """A lesson of a published revision with its neighbours, shaped like `Lesson` for the learning hooks."""

    id: int
    key: str
    title: str
    minutes: int | None
    body_html: str
    revision: RevisionRef
    previous: LessonLink | None
    next: LessonLink | None

    @property
    def revision_id(self) -> int:
        return self.revision.id


@dataclass(frozen=True)
class CitedDocument:
    id: int
    code: str
    issuer: str
    issued_on: object
    title: str
    status: str


@dataclass(frozen=True)
class LessonState:
    """What can change about a lesson: which revision is current, its open review flags, the cited documents."""

    key: str
    revision_id: int
    number: int | None
    created_at: object
    module_id: int
    published_revision_id: int | None
    open_flags: int
    documents: tuple[CitedDocument, ...]


_open_flags = (sa.select(sa.func.count()).where(ReviewFlag.module_id == Module.id,
                                                ReviewFlag.status == FlagStatus.OPEN)
               .correlate(Module).scalar_subquery())
_STATE = (
    sa.select(Lesson.key, Lesson.revision_id, ModuleRevision.number, ModuleRevision.created_at,
              ModuleRevision.module_id, Module.published_revision_id, _open_flags.label("open_flags"),
              Document.id.label("document_id"), Document.code, Document.issuer, Document.issued_on,
              Document.title.label("document_title"), Document.status)
    .join(ModuleRevision, ModuleRevision.id == Lesson.revision_id)
    .join(Module, Module.id == ModuleRevision.module_id)
    .outerjoin(revision_citations, revision_citations.c.revision_id == Lesson.revision_id)
    .outerjoin(Document, Document.id == revision_citations.c.document_id)
    .where(Lesson.id == sa.bindparam("lesson_id"))
    .order_by(Document.issued_on, Document.id)
)


def lesson_state(lesson_id: int) -> LessonState | None:
    """The lesson's revision and module, the module's published revision, its open flag count and the documents
    the revision cites as they stand now (oldest first; a status can change), in one statement; or None."""
    rows = run(db.session, _STATE, {"lesson_id": lesson_id}).all()
    if not rows:
        return None
    first = rows[0]
    documents = tuple(CitedDocument(r.document_id, r.code, r.issuer, r.issued_on, r.document_title, r.status)
                      for r in rows if r.document_id is not None)
    return LessonState(first.key, first.revision_id, first.number, first.created_at, first.module_id,
                       first.published_revision_id, first.open_flags, documents)


def published_lesson(lesson_id: int, state) -> PublishedLesson:
    """The lesson as published (read once per worker, keyed on its revision's identity)."""
    key = (lesson_id, state.revision_id, state.created_at)
    return PUBLISHED_LESSONS.get_or_make(key, lambda: _read_lesson(lesson_id, state.revision_id))


# A revision's lessons in order, the body of the one asked for only (read once per worker and lesson).
_LESSONS_OF_REVISION = (
    sa.select(Lesson.id, Lesson.key, Lesson.title, Lesson.minutes,
              sa.case((Lesson.id == sa.bindparam("lesson_id"), Lesson.body_html), else_=sa.null()).label("body_html"),
              ModuleRevision.module_id, ModuleRevision.title.label("revision_title"))
    .join(ModuleRevision, ModuleRevision.id == Lesson.revision_id)
    .where(Lesson.revision_id == sa.bindparam("revision_id"))
    .order_by(Lesson.position, Lesson.id)
)


def _read_lesson(lesson_id: int, revision_id: int) -> PublishedLesson:
    rows = run(db.session, _LESSONS_OF_REVISION, {"lesson_id": lesson_id, "revision_id": revision_id}).all()
    index = next(i for i, row in enumerate(rows) if row.id == lesson_id)
    row = rows[index]
    link = lambda r: LessonLink(r.id, r.title)  # noqa: E731
    return PublishedLesson(
        id=row.id, key=row.key, title=row.title, minutes=row.minutes, body_html=row.body_html or "",
        revision=RevisionRef(revision_id, row.module_id, row.revision_title),
        previous=link(rows[index - 1]) if index > 0 else None,
        next=link(rows[index + 1]) if index + 1 < len(rows) else None,
    )


def fragments(lesson: PublishedLesson, flags: list, documents: list) -> Callable[..., Markup]:
    """`fragment(template, **values)`: a part of the lesson page that is the same for every trainee, rendered
    once per worker for the lesson as published, the cited documents as they stand, the language and the
    values. The page's own context is not passed: these parts know nothing of who reads them."""

    def render(template: str, **values) -> Markup:
        return Markup(render_template(template, lesson=lesson, revision=lesson.revision, flags=flags,
                                      documents=documents, previous=lesson.previous, next=lesson.next, **values))

    if flags or current_app.debug:  # open review flags are rare rows of their own; templates reload in debug
        return render
    facts = (lesson, tuple(documents), str(get_locale()), request.script_root)

    def fragment(template: str, **values) -> Markup:
        key = (template, *sorted(values.items()), *facts)
        return LESSON_FRAGMENTS.get_or_make(key, lambda: render(template, **values))

    return fragment
