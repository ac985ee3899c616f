"""Module and program statuses, kept current incrementally in SQL; refreshers; re-study after new content."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from lms import audit
from lms.accounts.models import AssignmentKind, TitleAssignment, User
from lms.curriculum.models import Lesson, Module, Program, ProgramModule, program_titles
from lms.db import each_value, utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from lms.formats import local_today, to_local
from lms.learning.models import (
    LessonProgress,
    ModuleRule,
    ModuleState,
    ModuleStatus,
    ProgramState,
    ProgramStatus,
)
from lms.learning.services.records import add_months, dialect_insert, record_event

# --- module status -------------------------------------------------------------------------------------------

def module_rule(module_id: int) -> ModuleRule:
    return db.session.get(ModuleRule, module_id) or ModuleRule(
        module_id=module_id, require_lessons=True, require_quiz=False, require_assignment=False)


def save_module_rule(actor: User | None, module: Module, *, require_lessons: bool, require_quiz: bool,
                     require_assignment: bool, assignment_pass_mark: float | None) -> ModuleRule:
    """Set what completes a module (lecturers and admins)."""
    from lms.learning.quizzes import ensure_author

    ensure_author(actor)
    if not (require_lessons or require_quiz or require_assignment):
        raise InvalidInput(_("Cần chọn ít nhất một điều kiện hoàn thành."))
    rule = db.session.get(ModuleRule, module.id)
    if rule is None:
        rule = ModuleRule(module_id=module.id)
        db.session.add(rule)
    rule.require_lessons, rule.require_quiz = require_lessons, require_quiz
    rule.require_assignment, rule.assignment_pass_mark = require_assignment, assignment_pass_mark
    audit.record(actor, "module_rule.save", module, require_lessons=require_lessons, require_quiz=require_quiz,
                 require_assignment=require_assignment, assignment_pass_mark=assignment_pass_mark)
    db.session.flush()
    return rule


def lock_module_status(user_id: int, module_id: int) -> ModuleStatus:
    """The trainee's status row for a module, created if missing, locked for this transaction."""
    db.session.execute(
        dialect_insert(ModuleStatus)
        .values(user_id=user_id, module_id=module_id, state=ModuleState.NOT_STARTED, updated_at=utcnow(),
                lessons_total=0, lessons_done=0)
        .on_conflict_do_nothing(index_elements=["user_id", "module_id"])
    )
    return db.session.scalars(
        sa.select(ModuleStatus)
        .where(ModuleStatus.user_id == user_id, ModuleStatus.module_id == module_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lessons_done(user_id: int, module: Module, since: datetime | None) -> tuple[int, int]:
    """(lessons in the published revision, those the trainee completed), matched by lesson key."""
    if module.published_revision_id is None:
        return 0, 0
    done = sa.exists().where(
        LessonProgress.user_id == user_id, LessonProgress.module_id == module.id,
        LessonProgress.lesson_key == Lesson.key, LessonProgress.completed_at.is_not(None),
    )
    if since is not None:
        done = done.where(LessonProgress.completed_at >= since)
    row = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(done))
        .select_from(Lesson).where(Lesson.revision_id == module.published_revision_id)
    ).one()
    return row[0], row[1]


def _counts(moment: datetime | None, since: datetime | None) -> bool:
    return moment is not None and (since is None or moment >= since)


def refresh_module_status(user_id: int, module: Module, status: ModuleStatus | None = None) -> ModuleStatus:
    """Recount one trainee's module against its completion rule (the status row must be locked)."""
    status = status or lock_module_status(user_id, module.id)
    rule = module_rule(module.id)
    status.lessons_total, status.lessons_done = _lessons_done(user_id, module, status.since)
    complete = True
    if rule.require_lessons and status.lessons_total == 0 and not (rule.require_quiz or rule.require_assignment):
        # A module with no online lessons (a field trip, a report) completes by a passed assessment.
        complete = _counts(status.quiz_passed_at, status.since) or _counts(status.assignment_passed_at, status.since)
    elif rule.require_lessons:
        complete &= status.lessons_done >= status.lessons_total
    if rule.require_quiz:
        complete &= _counts(status.quiz_passed_at, status.since)
    if rule.require_assignment:
        complete &= _counts(status.assignment_passed_at, status.since)
    started = status.lessons_done > 0 or _counts(status.quiz_passed_at, status.since)
    if complete and status.state != ModuleState.COMPLETED:
        status.state = ModuleState.COMPLETED
        status.completed_at = utcnow()
        status.completed_revision_id = module.published_revision_id
        record_event(user_id, "completed", "module", module.id,
                     module.published.title if module.published else module.code,
                     revision_id=module.published_revision_id)
        db.session.flush()
        touch_programs(user_id, module.id)
    elif not complete and status.state == ModuleState.NOT_STARTED and started:
        status.state = ModuleState.IN_PROGRESS
        touch_programs(user_id, module.id)
    db.session.flush()
    return status


def record_quiz_passed(user_id: int, module: Module, at: datetime) -> None:
    status = lock_module_status(user_id, module.id)
    status.quiz_passed_at = at
    refresh_module_status(user_id, module, status)


def record_assignment_graded(user: User, module: Module, passed: bool, score: float | None,
                             graded_at: datetime | None) -> None:
    """An assignment grade counts when passed and, if the module sets one, at or above its pass mark."""
    rule = module_rule(module.id)
    ok = bool(passed) and (rule.assignment_pass_mark is None
                           or (score is not None and score >= rule.assignment_pass_mark))
    at = graded_at or utcnow()
    status = lock_module_status(user.id, module.id)
    if ok:  # a later failed grade (another trip, another class) never takes back a pass
        status.assignment_passed_at = at
    record_event(user.id, "passed" if ok else "failed", "assignment", module.id,
                 module.published.title if module.published else module.code,
                 result={"success": ok, **({"score": {"raw": score, "min": 0, "max": 100,
                                                       "scaled": round(score / 100, 4)}}
                                            if score is not None else {})}, at=at)
    refresh_module_status(user.id, module, status)


# --- program status ------------------------------------------------------------------------------------------

def programs_for(user_id: int, day: date | None = None) -> sa.Select:
    """Active programs aimed at a title the user holds or is planned for on `day`."""
    day = day or local_today()
    titles = sa.select(TitleAssignment.title_id).where(
        TitleAssignment.user_id == user_id,
        TitleAssignment.kind.in_([AssignmentKind.HELD, AssignmentKind.PLANNED]),
        TitleAssignment.start_date <= day,
        sa.or_(TitleAssignment.end_date.is_(None), TitleAssignment.end_date >= day),
    )
    return (sa.select(Program).where(Program.active, Program.id.in_(
        sa.select(program_titles.c.program_id).where(program_titles.c.title_id.in_(titles))))
        .order_by(Program.name))


def _required_total(program_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProgramModule)
                             .where(ProgramModule.program_id == program_id, ProgramModule.required))


def _due_on(program_id: int, start: date) -> date | None:
    days = db.session.scalar(sa.select(sa.func.max(ProgramModule.due_days))
                             .where(ProgramModule.program_id == program_id, ProgramModule.required))
    return start + timedelta(days=days) if days is not None else None


def _done_count(program_id: int, user_id) -> sa.ScalarSelect:
    ms = aliased(ModuleStatus)
    return (
        sa.select(sa.func.count()).select_from(ms)
        .join(ProgramModule, ProgramModule.module_id == ms.module_id)
        .where(ProgramModule.program_id == program_id, ProgramModule.required, ms.user_id == user_id,
               ms.state == ModuleState.COMPLETED)
        .scalar_subquery()
    )


def ensure_program_statuses(user: User) -> list[ProgramStatus]:
    """Create the user's missing ProgramStatus rows and start new cycles where a refresher lapsed."""
    today = local_today()
    programs = db.session.scalars(programs_for(user.id, today)).all()
    have = set(db.session.scalars(sa.select(ProgramStatus.program_id).where(ProgramStatus.user_id == user.id)))
    for program in programs:
        if program.id in have:
            continue
        # Through the ORM (not a Core upsert) so that flush listeners, such as the dashboards' completion
        # facts, see the new row; the savepoint absorbs a concurrent request creating the same one.
        status = ProgramStatus(user_id=user.id, program_id=program.id, state=ProgramState.NOT_STARTED,
                               required_total=_required_total(program.id), required_done=0, started_on=today,
                               due_on=_due_on(program.id, today), cycle=1)
        try:
            with db.session.begin_nested():
                db.session.add(status)
        except IntegrityError:
            continue
        refresh_program_status(user.id, program.id)
    lapsed = db.session.scalars(sa.select(ProgramStatus).where(
        ProgramStatus.user_id == user.id, ProgramStatus.state == ProgramState.COMPLETED,
        ProgramStatus.valid_until.is_not(None), ProgramStatus.valid_until < today)).all()
    for status in lapsed:
        start_new_cycle(status)
    db.session.flush()
    return db.session.scalars(sa.select(ProgramStatus).where(ProgramStatus.user_id == user.id)).all()


def ensure_program_statuses_for(user_ids) -> int:
    """`ensure_program_statuses` for many users at once (an import), in a number of statements that depends
    on the programs concerned, not on the number of users; returns how many ProgramStatus rows were added.

    One INSERT ... SELECT adds the missing rows of every targeted program, one UPDATE counts what the trainees had
    already done; only rows already complete (a certificate to issue) and lapsed refreshers, both rare for
    people an import adds titles to, go through the one-trainee path.
    """
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    today = local_today()
    users = each_value(db.session, user_ids)
    current = sa.and_(
        TitleAssignment.user_id.in_(users),
        TitleAssignment.kind.in_([AssignmentKind.HELD, AssignmentKind.PLANNED]),
        TitleAssignment.start_date <= today,
        sa.or_(TitleAssignment.end_date.is_(None), TitleAssignment.end_date >= today),
    )
    targeted = db.session.scalars(
        sa.select(Program.id)
        .where(Program.active, Program.id.in_(
            sa.select(program_titles.c.program_id)
            .join(TitleAssignment, TitleAssignment.title_id == program_titles.c.title_id).where(current)))
        .order_by(Program.id)
    ).all()
    first_new = (db.session.scalar(sa.select(sa.func.max(ProgramStatus.id))) or 0) + 1
    if targeted:
        _insert_statuses(targeted, sa.select(TitleAssignment.user_id, program_titles.c.program_id).distinct()
                         .join(program_titles, program_titles.c.title_id == TitleAssignment.title_id)
                         .where(program_titles.c.program_id.in_(targeted), current), today)
    new = sa.and_(ProgramStatus.id >= first_new, ProgramStatus.user_id.in_(users))
    added = db.session.scalar(sa.select(sa.func.count()).where(new)) if targeted else 0
    if added:
        started = (sa.exists().where(ModuleStatus.user_id == ProgramStatus.user_id,
                                     ModuleStatus.state != ModuleState.NOT_STARTED)
                   .where(ModuleStatus.module_id.in_(sa.select(ProgramModule.module_id)
                                                     .where(ProgramModule.program_id == ProgramStatus.program_id))))
        # Only trainees with module records have anything to count (people new to the system have none).
        studied = sa.exists().where(ModuleStatus.user_id == ProgramStatus.user_id)
        db.session.execute(
            sa.update(ProgramStatus).where(new, ProgramStatus.state == ProgramState.NOT_STARTED, studied)
            .values(required_done=_done_count(ProgramStatus.program_id, ProgramStatus.user_id),
                    state=sa.case((started, ProgramState.IN_PROGRESS.value), else_=ProgramStatus.state))
            .execution_options(synchronize_session=False)
        )
        complete = db.session.execute(sa.select(ProgramStatus.user_id, ProgramStatus.program_id).where(
            new, ProgramStatus.required_total > 0, ProgramStatus.required_done >= ProgramStatus.required_total)
        ).all()
        for user_id, program_id in complete:
            refresh_program_status(user_id, program_id)
    lapsed = db.session.scalars(sa.select(ProgramStatus).where(
        ProgramStatus.user_id.in_(users), ProgramStatus.state == ProgramState.COMPLETED,
        ProgramStatus.valid_until.is_not(None), ProgramStatus.valid_until < today)).all()
    for status in lapsed:
        start_new_cycle(status)
    db.session.flush()
    return added


def ensure_statuses_for_program(program_id: int) -> int:
    """Give every trainee the program now targets (by held or planned title) their ProgramStatus row."""
    today = local_today()
    current = sa.and_(
        TitleAssignment.start_date <= today,
        sa.or_(TitleAssignment.end_date.is_(None), TitleAssignment.end_date >= today),
    )
    missing = (
        sa.select(TitleAssignment.user_id).distinct()
        .join(program_titles, program_titles.c.title_id == TitleAssignment.title_id)
        .join(Program, Program.id == program_titles.c.program_id)
        .where(program_titles.c.program_id == program_id, Program.active, current)
        .where(~sa.exists().where(ProgramStatus.user_id == TitleAssignment.user_id,
                                  ProgramStatus.program_id == program_id))
        .subquery()
    )
    count = db.session.scalar(sa.select(sa.func.count()).select_from(missing))
    if count:
        _insert_statuses([program_id], sa.select(missing.c.user_id, sa.literal(program_id)), today)
    return count


def _insert_statuses(program_ids: list[int], pairs: sa.Select, today: date) -> None:
    """Not-started ProgramStatus rows for the (user id, program id) pairs `pairs` selects, the programs being
    among `program_ids`, in one INSERT ... SELECT whatever the number of programs (a row made meanwhile by
    another transaction is left alone)."""
    pairs = pairs.subquery()
    user_id, program_id = pairs.c[0], pairs.c[1]

    def per_program(values: dict, type_) -> sa.ColumnElement:
        return sa.case({key: sa.literal(value, type_) for key, value in values.items()}, value=program_id)

    rows = sa.select(user_id, program_id, sa.literal(ProgramState.NOT_STARTED.value),
                     per_program({p: _required_total(p) for p in program_ids}, sa.Integer()), sa.literal(0),
                     sa.literal(today, sa.Date), per_program({p: _due_on(p, today) for p in program_ids}, sa.Date()),
                     sa.literal(1), sa.literal(utcnow(), sa.DateTime))
    db.session.execute(
        dialect_insert(ProgramStatus)
        .from_select(["user_id", "program_id", "state", "required_total", "required_done", "started_on", "due_on",
                      "cycle", "updated_at"],
                     rows.where(sa.true()).order_by(program_id, user_id))  # WHERE: SQLite's upsert-after-SELECT rule
        .on_conflict_do_nothing(index_elements=["user_id", "program_id"])
    )


def touch_programs(user_id: int, module_id: int) -> None:
    """Recount the user's programs that include this module."""
    program_ids = db.session.scalars(
        sa.select(ProgramStatus.program_id)
        .join(ProgramModule, ProgramModule.program_id == ProgramStatus.program_id)
        .where(ProgramStatus.user_id == user_id, ProgramModule.module_id == module_id)
    ).all()
    for program_id in program_ids:
        refresh_program_status(user_id, program_id)


def refresh_program_status(user_id: int, program_id: int) -> ProgramStatus | None:
    """Recount one trainee's program (locked); completing it issues the certificate."""
    status = db.session.scalars(
        sa.select(ProgramStatus)
        .where(ProgramStatus.user_id == user_id, ProgramStatus.program_id == program_id)
        .with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if status is None:
        return None
    status.required_total = _required_total(program_id)
    status.required_done = db.session.scalar(sa.select(_done_count(program_id, user_id)))
    if status.state == ProgramState.COMPLETED:
        return status
    if status.required_total and status.required_done >= status.required_total:
        _complete_program(status)
    elif status.state == ProgramState.NOT_STARTED:
        started = db.session.scalar(
            sa.select(sa.func.count()).select_from(ModuleStatus)
            .join(ProgramModule, ProgramModule.module_id == ModuleStatus.module_id)
            .where(ProgramModule.program_id == program_id, ModuleStatus.user_id == user_id,
                   ModuleStatus.state != ModuleState.NOT_STARTED))
        if started:
            status.state = ProgramState.IN_PROGRESS
    db.session.flush()
    return status


def _complete_program(status: ProgramStatus) -> None:
    program = db.session.get(Program, status.program_id)
    now = utcnow()
    status.state = ProgramState.COMPLETED
    status.completed_at = now
    status.valid_until = add_months(to_local(now).date(), program.validity_months) if program.validity_months else None
    user = db.session.get(User, status.user_id)
    from lms.learning.certificates import issue_certificate

    issue_certificate(user, program, status)
    record_event(user.id, "completed", "program", program.id, program.name)


def start_new_cycle(status: ProgramStatus) -> None:
    """A refresher lapsed: the trainee is due again; certificates and events of earlier cycles stay."""
    now = utcnow()
    required = sa.select(ProgramModule.module_id).where(ProgramModule.program_id == status.program_id,
                                                        ProgramModule.required)
    db.session.execute(
        sa.update(ModuleStatus)
        .where(ModuleStatus.user_id == status.user_id, ModuleStatus.module_id.in_(required))
        .values(state=ModuleState.NOT_STARTED, since=now, lessons_done=0, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    today = to_local(now).date()
    status.cycle += 1
    status.state = ProgramState.NOT_STARTED
    status.started_on = today
    status.due_on = _due_on(status.program_id, today)
    status.completed_at = None
    status.valid_until = None
    status.required_done = 0
    db.session.flush()


def refresh_lapsed(today: date | None = None) -> int:
    """Start a new cycle for every refresher that lapsed before `today` (run daily); how many."""
    today = today or local_today()
    lapsed = db.session.scalars(sa.select(ProgramStatus).where(
        ProgramStatus.state == ProgramState.COMPLETED, ProgramStatus.valid_until.is_not(None),
        ProgramStatus.valid_until < today)).all()
    for status in lapsed:
        start_new_cycle(status)
    return len(lapsed)


# --- content updates -----------------------------------------------------------------------------------------

def on_revision_published(module: Module, revision) -> int:
    """A re-study revision puts completed trainees into needs_review; minor revisions keep completions."""
    if not revision.requires_restudy:
        return 0
    now = utcnow()
    count = db.session.execute(
        sa.update(ModuleStatus)
        .where(ModuleStatus.module_id == module.id, ModuleStatus.state == ModuleState.COMPLETED,
               sa.or_(ModuleStatus.completed_revision_id.is_(None),
                      ModuleStatus.completed_revision_id != revision.id))
        .values(state=ModuleState.NEEDS_REVIEW, since=now, lessons_done=0, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    programs = sa.select(ProgramModule.program_id).where(ProgramModule.module_id == module.id,
                                                         ProgramModule.required)
    reviewing = sa.select(ModuleStatus.user_id).where(ModuleStatus.module_id == module.id,
                                                      ModuleStatus.state == ModuleState.NEEDS_REVIEW)
    # One UPDATE recounts every affected program in progress (a completed cycle keeps its certificate).
    db.session.execute(
        sa.update(ProgramStatus)
        .where(ProgramStatus.program_id.in_(programs), ProgramStatus.user_id.in_(reviewing),
               ProgramStatus.state != ProgramState.COMPLETED)
        .values(required_done=_done_count(ProgramStatus.program_id, ProgramStatus.user_id), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return count
