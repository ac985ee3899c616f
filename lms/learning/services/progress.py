"""Lesson progress: views (visits), completion and time on task."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.util import identity_key

from lms.accounts.models import User
from lms.curriculum.models import Lesson
from lms.db import begin_writing, run, utcnow, write_alone
from lms.errors import InvalidInput
from lms.extensions import db
from lms.learning import queries
from lms.learning.models import (
    LessonProgress,
    ModuleState,
    ModuleStatus,
)
from lms.learning.services.records import record_event
from lms.learning.services.statuses import lock_module_status, refresh_module_status, touch_programs

# A heartbeat never adds more than the real time since the previous one, and never more than this.
HEARTBEAT_CAP_SECONDS = 60
# A lesson view within this time of the trainee's last activity on it continues the same visit.
VISIT_GAP = timedelta(minutes=30)


# --- lesson progress -----------------------------------------------------------------------------------------

def _insert_progress(user: User, lesson: Lesson, now: datetime) -> bool:
    """Create the progress row unless it exists; True when this call created it."""
    return run(db.session, _statement("insert_progress"), {
        "user_id": user.id, "lesson_id": lesson.id, "lesson_key": lesson.key, "module_id": lesson.revision.module_id,
        "revision_id": lesson.revision_id, "started_at": now, "last_seen_at": now, "seconds_spent": 0,
    }).scalar() is not None


def _build_statements(dialect_name: str) -> dict:
    """The statements of a lesson view and a heartbeat, built once per dialect (a statement built anew on every
    call costs more to build and to look up among the compiled ones than to run)."""
    insert = (postgresql.insert if dialect_name == "postgresql" else sqlite.insert)
    param = sa.bindparam
    return {
        "insert_progress": insert(LessonProgress)
        .on_conflict_do_nothing(index_elements=["user_id", "lesson_id"]).returning(LessonProgress.id),
        "start_module": insert(ModuleStatus)
        .values(user_id=param("user_id"), module_id=param("module_id"), state=ModuleState.IN_PROGRESS,
                updated_at=param("now"), lessons_total=0, lessons_done=0)
        .on_conflict_do_update(index_elements=["user_id", "module_id"],
                               set_={"state": ModuleState.IN_PROGRESS, "updated_at": param("now")},
                               where=ModuleStatus.state == ModuleState.NOT_STARTED)
        .returning(ModuleStatus.id),
        "beat_read": sa.select(LessonProgress.id, LessonProgress.last_seen_at)
        .where(LessonProgress.user_id == param("user_id"), LessonProgress.lesson_id == param("lesson_id")),
        "beat": sa.update(LessonProgress)
        .where(LessonProgress.id == param("progress_id"), LessonProgress.last_seen_at == param("previous"))
        .values(seconds_spent=LessonProgress.seconds_spent + param("added", type_=sa.Integer),
                last_seen_at=param("now", type_=sa.DateTime)),
    }


_STATEMENTS: dict[str, dict] = {}


def _statement(name: str):
    dialect_name = db.session.get_bind().dialect.name
    built = _STATEMENTS.get(dialect_name)
    if built is None:
        built = _STATEMENTS[dialect_name] = _build_statements(dialect_name)
    return built[name]


def start_lesson(user: User, lesson: Lesson) -> bool:
    """Record that the trainee opened a lesson (idempotent); True the first time."""
    return record_lesson_view(user, lesson) == "launched"


def record_lesson_view(user: User, lesson: Lesson, at: datetime | None = None) -> str | None:
    """Record a view of a lesson; the xAPI verb written ("launched", "experienced"), or None when nothing was.

    `at`: when it happened, if earlier than now (a view made on a phone without a connection).

    The first view records the start and a "launched" statement. A later view is a new visit, recorded
    as "experienced", only when the trainee's last activity on the lesson (a view or a heartbeat) is
    older than VISIT_GAP; a view within it continues the visit and writes nothing, so reading a lesson
    again is read-only.
    """
    now = at or utcnow()
    stale = now - VISIT_GAP
    seen = queries.lesson_progress(user.id, lesson)
    if seen.last_seen_at is not None and seen.last_seen_at >= stale:
        return None
    queries.forget_lesson_progress(user.id, lesson)
    begin_writing(db.session)  # a GET: what was read above is read again under the write lock
    created = _insert_progress(user, lesson, now)
    if not created:
        # Only the view that still sees the old activity opens the new visit: concurrent views record it once.
        result = db.session.execute(
            sa.update(LessonProgress)
            .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id,
                   LessonProgress.last_seen_at < stale)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
    _start_module(user.id, lesson.revision.module_id, now)
    verb = "launched" if created else "experienced"
    record_event(user.id, verb, "lesson", lesson.id, lesson.title, revision_id=lesson.revision_id, at=at)
    db.session.flush()
    if at is None:
        # A view completes nothing: the page shows the lesson as seen now, done as it was, without reading again.
        queries.seen_lesson_now(user.id, lesson, now, bool(seen.done))
    return verb


def _start_module(user_id: int, module_id: int, now: datetime) -> None:
    """The trainee's module goes from not started to in progress (its status row made so when missing), and
    then its programs are recounted: one statement when the module is already under way."""
    started = run(db.session, _statement("start_module"),
                  {"user_id": user_id, "module_id": module_id, "now": now}).scalar() is not None
    if started:
        touch_programs(user_id, module_id)


def complete_lesson(user: User, lesson: Lesson, at: datetime | None = None) -> bool:
    """Mark a lesson complete (idempotent: a double click or concurrent requests complete it once).

    `at`: when it happened, if earlier than now (a completion made on a phone without a connection).
    """
    if lesson.revision.is_draft:
        raise InvalidInput(_("Bài học này chưa được xuất bản."))
    now = at or utcnow()
    _insert_progress(user, lesson, now)
    # Lock the module status first: completions of one module by one trainee then run one after another.
    status = lock_module_status(user.id, lesson.revision.module_id)
    not_done = LessonProgress.completed_at.is_(None)
    if status.since is not None:
        not_done = not_done | (LessonProgress.completed_at < status.since)
    result = db.session.execute(
        sa.update(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id, not_done)
        .values(completed_at=now,
                last_seen_at=sa.case((LessonProgress.last_seen_at < now, now), else_=LessonProgress.last_seen_at))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    record_event(user.id, "completed", "lesson", lesson.id, lesson.title, revision_id=lesson.revision_id, at=at)
    refresh_module_status(user.id, lesson.revision.module, status)
    db.session.flush()
    return True


def heartbeat(user: User, lesson_id: int) -> int | None:
    """Add the time on task since the last beat, bounded by the real elapsed time and a cap; seconds added.

    None when there is no such lesson. The most frequent request of a trainee studying (every 30 s): it reads
    two columns of the progress row and updates them, and reads the lesson only when the trainee never opened it.
    """
    now = utcnow()
    progress = run(db.session, _statement("beat_read"), {"user_id": user.id, "lesson_id": lesson_id}).one_or_none()
    if progress is None:
        exists = db.session.scalar(sa.select(sa.literal(True)).where(Lesson.id == lesson_id))
        return 0 if exists else None
    elapsed = int((now - progress.last_seen_at).total_seconds())
    added = max(0, min(elapsed, HEARTBEAT_CAP_SECONDS))
    # The request read without the write lock (lms.transaction.writes_late): only the beat that still sees the
    # previous timestamp counts, so concurrent beats cannot add twice. One statement: it needs no transaction.
    result = write_alone(db.session, _statement("beat"), {
        "progress_id": progress.id, "previous": progress.last_seen_at, "added": added, "now": now})
    loaded = db.session.identity_map.get(identity_key(LessonProgress, progress.id))
    if loaded is not None:
        db.session.expire(loaded)
    return added if result.rowcount == 1 else 0
