"""Read side of the learning records: the trainee dashboard, the learning record, module status panels."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.caching import forget_per_request, per_request, remember_per_request
from lms.curriculum.models import Lesson, Module, ModuleRevision, Program, ProgramModule
from lms.db import run
from lms.extensions import db
from lms.formats import local_today
from lms.learning import flow
from lms.learning.flow import Resume
from lms.learning.models import (
    Certificate,
    LearningEvent,
    LessonProgress,
    ModuleState,
    ModuleStatus,
    ProgramState,
    ProgramStatus,
)
from lms.text import fold_words

DUE_SOON_DAYS = 14


@dataclass
class ModuleDue:
    program: Program
    module: Module
    due_on: date
    state: ModuleState


@dataclass
class Dashboard:
    programs: list[ProgramStatus] = field(default_factory=list)
    due_soon: list[ModuleDue] = field(default_factory=list)
    overdue: list[ModuleDue] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    resume: Resume | None = None
    module_states: dict[int, ModuleState] = field(default_factory=dict)


def dashboard(user_id: int, today: date | None = None) -> Dashboard:
    today = today or local_today()
    board = Dashboard()
    board.programs = db.session.scalars(
        sa.select(ProgramStatus).where(ProgramStatus.user_id == user_id)
        .options(selectinload(ProgramStatus.program).selectinload(Program.items).selectinload(ProgramModule.module)
                 .selectinload(Module.published))
        .join(Program).order_by(Program.name)
    ).all()
    module_ids = {item.module_id for s in board.programs for item in s.program.items}
    board.module_states = dict(db.session.execute(
        sa.select(ModuleStatus.module_id, ModuleStatus.state)
        .where(ModuleStatus.user_id == user_id, ModuleStatus.module_id.in_(module_ids))).all()) if module_ids else {}
    for status in board.programs:
        if status.state == ProgramState.COMPLETED:
            continue
        for item in status.program.items:
            state = board.module_states.get(item.module_id, ModuleState.NOT_STARTED)
            if not item.required or item.due_days is None or state == ModuleState.COMPLETED:
                continue
            due = ModuleDue(status.program, item.module, status.started_on + timedelta(days=item.due_days), state)
            if due.due_on < today:
                board.overdue.append(due)
            elif due.due_on <= today + timedelta(days=DUE_SOON_DAYS):
                board.due_soon.append(due)
    board.certificates = certificates_of(user_id)
    board.resume = flow.resume(user_id)
    return board


def learning_record(user_id: int, limit: int = 200) -> list[LearningEvent]:
    return db.session.scalars(sa.select(LearningEvent).where(LearningEvent.user_id == user_id)
                              .order_by(LearningEvent.timestamp.desc(), LearningEvent.id.desc()).limit(limit)).all()


def module_status(user_id: int, module_id: int) -> ModuleStatus | None:
    return db.session.scalars(sa.select(ModuleStatus).where(ModuleStatus.user_id == user_id,
                                                            ModuleStatus.module_id == module_id)).one_or_none()


def lesson_progress(user_id: int, lesson: Lesson):
    """When the trainee last worked on this lesson (`last_seen_at`, or None) and whether it is `done`, in one
    statement, read once per request (the lesson page's visit check and its "done" mark share it)."""
    return per_request(("lesson_progress", user_id, lesson.id), lambda: _lesson_progress(user_id, lesson))


def forget_lesson_progress(user_id: int, lesson: Lesson) -> None:
    forget_per_request(("lesson_progress", user_id, lesson.id))


def seen_lesson_now(user_id: int, lesson: Lesson, at: datetime, done: bool) -> None:
    """The request recorded a view of the lesson at `at`: its later reads see it without a statement."""
    remember_per_request(("lesson_progress", user_id, lesson.id), LessonSeen(last_seen_at=at, done=done))


@dataclass(frozen=True)
class LessonSeen:
    last_seen_at: datetime | None
    done: bool


def _lesson_progress_statement() -> sa.Select:
    user_id = sa.bindparam("user_id")
    since = sa.select(ModuleStatus.since).where(ModuleStatus.user_id == user_id,
                                                ModuleStatus.module_id == LessonProgress.module_id).scalar_subquery()
    done = sa.exists().where(
        LessonProgress.user_id == user_id, LessonProgress.module_id == sa.bindparam("module_id"),
        LessonProgress.lesson_key == sa.bindparam("lesson_key"), LessonProgress.completed_at.is_not(None),
        sa.or_(since.is_(None), LessonProgress.completed_at >= since),
    )
    last_seen = (sa.select(LessonProgress.last_seen_at)
                 .where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == sa.bindparam("lesson_id"))
                 .scalar_subquery())
    return sa.select(last_seen.label("last_seen_at"), done.label("done"))


_LESSON_PROGRESS = _lesson_progress_statement()  # built once: the statement's cache key is then cheap


def _lesson_progress(user_id: int, lesson: Lesson):
    return run(db.session, _LESSON_PROGRESS, {
        "user_id": user_id, "lesson_id": lesson.id, "module_id": lesson.revision.module_id, "lesson_key": lesson.key,
    }).one()


def lesson_done(user_id: int, lesson: Lesson) -> bool:
    """Whether the trainee completed this lesson (by key, so a minor revision keeps it) since any reset."""
    return bool(lesson_progress(user_id, lesson).done)


@dataclass
class LessonChange:
    title: str
    kind: str  # added, removed, changed
    diff: list[tuple[str, str]]  # (css class, line)


def changes_since(module: Module, old_revision_id: int | None) -> tuple[list[ModuleRevision], list[LessonChange]]:
    """Revisions published after the one the trainee completed, and a per-lesson diff of what changed."""
    if module.published is None or old_revision_id is None:
        return [], []
    old = db.session.get(ModuleRevision, old_revision_id)
    newer = db.session.scalars(sa.select(ModuleRevision).where(
        ModuleRevision.module_id == module.id, ModuleRevision.number > old.number,
        ModuleRevision.number.is_not(None)).order_by(ModuleRevision.number)).all()
    before = {lesson.key: lesson for lesson in old.lessons}
    after = {lesson.key: lesson for lesson in module.published.lessons}
    changes = []
    for key, lesson in after.items():
        previous = before.get(key)
        if previous is None:
            changes.append(LessonChange(lesson.title, "added", []))
        elif previous.body_md != lesson.body_md or previous.title != lesson.title:
            lines = difflib.unified_diff(previous.body_md.splitlines(), lesson.body_md.splitlines(), lineterm="", n=1)
            diff = [("ins" if ln.startswith("+") else "del" if ln.startswith("-") else "ctx", ln)
                    for ln in list(lines)[2:] if not ln.startswith("@@")]
            changes.append(LessonChange(lesson.title, "changed", diff))
    for key, lesson in before.items():
        if key not in after:
            changes.append(LessonChange(lesson.title, "removed", []))
    return newer, changes


def certificates_in_scope(actor, search: str = "", limit: int = 100) -> sa.Select:
    """The newest certificates of users in the admin's unit subtree, by name, number or code."""
    from lms.accounts.models import User
    from lms.accounts.services import admin_scope
    from lms.organisation.models import Unit

    scope = admin_scope(actor)
    query = (sa.select(Certificate).join(User, User.id == Certificate.user_id).join(Unit, Unit.id == User.unit_id)
             .where(Unit.path.startswith(scope.path)))
    words = fold_words(search).split()[:5]
    if words:
        # By name the way the user list searches ("binh" finds "Bình", "%" and "_" are plain characters).
        query = query.where(sa.or_(Certificate.code == search.strip(), Certificate.number == search.strip(),
                                   sa.and_(*(User.search_key.contains(w, autoescape=True) for w in words))))
    return query.order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(limit)


def issuers_in_scope(actor) -> list:
    """The schools set up on the admin's units, in tree order, each with its unit."""
    from lms.accounts.services import admin_scope
    from lms.learning.models import CertificateIssuer
    from lms.organisation.models import Unit

    scope = admin_scope(actor)
    return db.session.execute(
        sa.select(CertificateIssuer, Unit).join(Unit, Unit.id == CertificateIssuer.unit_id)
        .where(Unit.path.startswith(scope.path)).order_by(Unit.path)).all()


def certificates_of(user_id: int) -> list[Certificate]:
    """Every certificate the trainee was issued, newest first (earlier cycles and revoked ones included)."""
    return db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user_id)
                              .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()


def time_spent(user_id: int) -> list[tuple[str, int]]:
    """Minutes on task per module (from the bounded heartbeat), largest first."""
    rows = db.session.execute(
        sa.select(Module.code, ModuleRevision.title, sa.func.sum(LessonProgress.seconds_spent))
        .join(Module, Module.id == LessonProgress.module_id)
        .join(ModuleRevision, ModuleRevision.id == Module.published_revision_id)
        .where(LessonProgress.user_id == user_id)
        .group_by(Module.code, ModuleRevision.title)
        .order_by(sa.func.sum(LessonProgress.seconds_spent).desc())
    ).all()
    return [(title, round((seconds or 0) / 60)) for _code, title, seconds in rows]
