"""Scheduled reminders, each ONE INSERT ... SELECT over the whole country (no per-person Python loop).

Each reminder's idempotency key names its object, its date or period and the recipient: running the job
again the same day (or week, for the weekly ones) writes nothing new, and so mails nothing new.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from lms.accounts.models import Role, RoleGrant, User
from lms.curriculum.models import Module, ModuleRevision, Program, ProgramModule
from lms.db import utcnow
from lms.delivery.models import (
    FieldTrip,
    Nomination,
    NominationState,
    Submission,
    SubmissionStatus,
    TrainingClass,
    class_lecturers,
)
from lms.formats import local_today
from lms.jobs.services import commit_step
from lms.learning.models import ModuleState, ModuleStatus, ProgramState, ProgramStatus, Quiz
from lms.notifications.calendar import not_passed
from lms.notifications.services import json_params, notify_many, text_of
from lms.organisation.models import Unit

log = logging.getLogger("lms.notifications")
DUE_SOON_DAYS = 7
# A person hears that something is overdue once, when it falls due (within this many days, should the job
# not have run for a few days); older backlogs reach them through their admins' weekly summaries.
OVERDUE_NOTICE_DAYS = 7
REFRESHER_NOTICE_DAYS = 30
# The job runs once a day: each window closing within the next day is announced by exactly one run.
QUIZ_CLOSING_NOTICE = timedelta(hours=24)


class add_days(FunctionElement):  # noqa: N801 (used like sa.func.*)
    """A date column plus a whole number of days, as a date (text 'YYYY-MM-DD' on SQLite)."""

    type = sa.Date()
    inherit_cache = True


@compiles(add_days)
def _add_days_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '+' || {compiler.process(days, **kw)} || ' days')"


@compiles(add_days, "postgresql")
def _add_days_postgresql(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} + {compiler.process(days, **kw)})"


def _week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def classes_starting(today: date) -> int:
    """Trainees approved or enrolled in a class that starts tomorrow."""
    tomorrow = today + timedelta(days=1)
    n, k = Nomination, TrainingClass
    return notify_many("class.starts_tomorrow", sa.select(
        n.trainee_id.label("user_id"),
        text_of("class.starts_tomorrow:", k.id, ":", n.trainee_id).label("key"),
        json_params(class_id=k.id, class_name=k.name, class_code=k.code, starts_on=k.starts_on,
                    place=k.place).label("params"),
    ).join(k, k.id == n.class_id).where(
        k.starts_on == tomorrow, n.state.in_((NominationState.APPROVED, NominationState.ENROLLED))))


def _open_statuses():
    """Current program cycles not completed, of active people (the rows the due-date reminders read)."""
    return (sa.select().select_from(ProgramStatus)
            .join(User, User.id == ProgramStatus.user_id)
            .join(Program, Program.id == ProgramStatus.program_id)
            .where(ProgramStatus.state != ProgramState.COMPLETED, ProgramStatus.due_on.is_not(None), User.active))


def programs_due(today: date) -> dict[str, int]:
    """Programs due within a week, and those that fell due in the last days: once per person, program and
    due date."""
    ps = ProgramStatus
    counts = {}
    for kind, condition in (
        ("program.due_soon", ps.due_on.between(today, today + timedelta(days=DUE_SOON_DAYS))),
        ("program.overdue", ps.due_on.between(today - timedelta(days=OVERDUE_NOTICE_DAYS), today - timedelta(days=1))),
    ):
        counts[kind] = notify_many(kind, _open_statuses().add_columns(
            ps.user_id.label("user_id"),
            text_of(f"{kind}:", ps.program_id, ":", ps.due_on, ":", ps.user_id).label("key"),
            json_params(program_id=ps.program_id, program_name=Program.name, due_on=ps.due_on).label("params"),
        ).where(condition), dispatch=False)
    return counts


def modules_due(today: date) -> dict[str, int]:
    """Required modules not completed, due within a week (the program's start plus the module's due days) or
    fallen due in the last days: once per person, module and due date."""
    pm = ProgramModule
    # The open cycles first, on their own (MATERIALIZED): left to itself SQLite's planner starts from the
    # modules and tries every person for each, 25 times slower at national scale.
    ps = _open_statuses().add_columns(
        ProgramStatus.user_id, ProgramStatus.program_id, ProgramStatus.started_on,
        Program.name.label("program_name"),
    # Nested in the SELECT: sqlite3 reports the rowcount of a statement only when it begins with INSERT.
    ).cte("open_statuses", nesting=True).prefix_with("MATERIALIZED")
    due = add_days(ps.c.started_on, pm.due_days)
    counts = {}
    for kind, condition in (
        ("module.due_soon", due.between(today, today + timedelta(days=DUE_SOON_DAYS))),
        ("module.overdue", due.between(today - timedelta(days=OVERDUE_NOTICE_DAYS), today - timedelta(days=1))),
    ):
        counts[kind] = notify_many(kind, sa.select(
            ps.c.user_id.label("user_id"),
            text_of(f"{kind}:", pm.module_id, ":", due, ":", ps.c.user_id).label("key"),
            json_params(module_id=pm.module_id, module_title=sa.func.coalesce(ModuleRevision.title, Module.code),
                        program_name=ps.c.program_name, due_on=due).label("params"),
        ).select_from(ps)
            .join(pm, sa.and_(pm.program_id == ps.c.program_id, pm.required, pm.due_days.is_not(None)))
            .join(Module, Module.id == pm.module_id)
            .outerjoin(ModuleRevision, ModuleRevision.id == Module.published_revision_id)
            .outerjoin(ModuleStatus, sa.and_(ModuleStatus.user_id == ps.c.user_id,
                                             ModuleStatus.module_id == pm.module_id))
            .where(condition, sa.or_(ModuleStatus.state.is_(None), ModuleStatus.state != ModuleState.COMPLETED)),
            dispatch=False)
    return counts


def overdue_summaries(today: date) -> int:
    """Each week, every admin whose scope has trainees with an overdue program gets their number."""
    scope, unit = sa.orm.aliased(Unit), sa.orm.aliased(Unit)
    ps = ProgramStatus
    count = sa.func.count(sa.distinct(ps.user_id))
    grouped = (sa.select(RoleGrant.user_id.label("user_id"), count.label("n"))
               .join(scope, scope.id == RoleGrant.scope_unit_id)
               .join(unit, unit.path.startswith(scope.path))
               .join(User, User.unit_id == unit.id)
               .join(ps, ps.user_id == User.id)
               .where(RoleGrant.role == Role.ADMIN, ps.state != ProgramState.COMPLETED, ps.due_on < today)
               .group_by(RoleGrant.user_id).subquery())
    week = _week(today)
    return notify_many("overdue.summary", sa.select(
        grouped.c.user_id,
        text_of(f"overdue.summary:{week}:", grouped.c.user_id).label("key"),
        json_params(count=grouped.c.n, week=sa.literal(week)).label("params"),
    ), dispatch=False)


def reports_awaiting(today: date, now: datetime) -> int:
    """Each week, a class's lecturers hear of the reports submitted more than N days ago and not graded."""
    days = current_app.config["GRADING_WAIT_DAYS"]
    waiting = (sa.select(Submission.trip_id.label("trip_id"), class_lecturers.c.user_id.label("user_id"),
                         FieldTrip.topic.label("topic"), sa.func.count(Submission.id).label("n"))
               .join(FieldTrip, FieldTrip.id == Submission.trip_id)
               .join(class_lecturers, class_lecturers.c.class_id == FieldTrip.class_id)
               .where(Submission.status == SubmissionStatus.SUBMITTED,
                      Submission.submitted_at < now - timedelta(days=days))
               .group_by(Submission.trip_id, class_lecturers.c.user_id, FieldTrip.topic).subquery())
    week = _week(today)
    return notify_many("report.awaiting", sa.select(
        waiting.c.user_id,
        text_of("report.awaiting:", waiting.c.trip_id, f":{week}:", waiting.c.user_id).label("key"),
        json_params(trip_id=waiting.c.trip_id, topic=waiting.c.topic, count=waiting.c.n,
                    days=sa.literal(days)).label("params"),
    ), dispatch=False)


def refreshers_due(today: date) -> int:
    """Completed programs whose validity ends within a month: time for the refresher."""
    ps = ProgramStatus
    return notify_many("certificate.refresher_due", sa.select(
        ps.user_id.label("user_id"),
        text_of("certificate.refresher_due:", ps.program_id, ":", ps.valid_until, ":", ps.user_id).label("key"),
        json_params(program_id=ps.program_id, program_name=Program.name, valid_until=ps.valid_until).label("params"),
    ).join(Program, Program.id == ps.program_id).join(User, User.id == ps.user_id).where(
        ps.state == ProgramState.COMPLETED, User.active,
        ps.valid_until.between(today, today + timedelta(days=REFRESHER_NOTICE_DAYS))), dispatch=False)


def quizzes_closing(now: datetime) -> int:
    """Quizzes whose window closes within a day, to each active trainee who studies a program with the module
    and has not passed: once per person, quiz and closing time (a window moved later is announced again).

    Read from the quizzes closing (a few, by the index on closes_at) to their programs' open cycles (indexed by
    program), never from the cycles of the whole country."""
    ps = ProgramStatus
    # Each person once per quiz, though the module be in two programs they study.
    pairs = (sa.select(Quiz.id.label("quiz_id"), ps.user_id.label("user_id")).select_from(Quiz)
             .join(Module, Module.id == Quiz.module_id)
             .join(ProgramModule, ProgramModule.module_id == Quiz.module_id)
             .join(ps, ps.program_id == ProgramModule.program_id)
             .join(User, User.id == ps.user_id)
             .where(Quiz.closes_at > now, Quiz.closes_at <= now + QUIZ_CLOSING_NOTICE,
                    Module.published_revision_id.is_not(None), ps.state != ProgramState.COMPLETED, User.active,
                    not_passed(ps.user_id))
             .distinct().subquery())
    return notify_many("quiz.closing", sa.select(
        pairs.c.user_id,
        text_of("quiz.closing:", Quiz.id, ":", Quiz.closes_at, ":", pairs.c.user_id).label("key"),
        json_params(quiz_id=Quiz.id, module_id=Quiz.module_id, quiz_title=Quiz.title,
                    closes_at=Quiz.closes_at).label("params"),
    ).join(Quiz, Quiz.id == pairs.c.quiz_id), dispatch=False)


# Each step writes one or two kinds (one statement each) and returns how many rows each kind wrote.
STEPS = (
    ("classes starting", lambda today, now: {"class.starts_tomorrow": classes_starting(today)}),
    ("programs due", lambda today, now: programs_due(today)),
    ("modules due", lambda today, now: modules_due(today)),
    ("overdue summaries", lambda today, now: {"overdue.summary": overdue_summaries(today)}),
    ("reports awaiting", lambda today, now: {"report.awaiting": reports_awaiting(today, now)}),
    ("refreshers due", lambda today, now: {"certificate.refresher_due": refreshers_due(today)}),
    ("quizzes closing", lambda today, now: {"quiz.closing": quizzes_closing(now)}),
)


def run_reminders(today: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """Every reminder, each committed on its own (a short write on SQLite); returns how many each wrote."""
    today = today or local_today()
    now = now or utcnow()
    written: dict[str, int] = {}
    for _name, step in STEPS:
        written.update(step(today, now))
        commit_step()
    if any(written.values()):
        from lms.jobs.queue import enqueue_after_commit
        from lms.notifications import services, tasks

        if services.mail_configured():
            enqueue_after_commit(tasks.dispatch_mail)
    log.info("reminders written: %s", written, extra={"written": written})
    return written
