"""Classes, nominations and annual training plans. Services flush; the request commits.

Field trips, attendance, submissions and grading are in lms.delivery.trips.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms import audit, signals
from lms.accounts import services as accounts
from lms.accounts.models import AssignmentKind, Role, TheoryLevel, User
from lms.curriculum.models import Module, Program, ProgramModule
from lms.dates import CLASS_DATES
from lms.db import each_value, utcnow
from lms.delivery import need_triggers
from lms.delivery.models import (
    ACTIVE_STATES,
    SEAT_STATES,
    DeliveryMode,
    Nomination,
    NominationState,
    PlanQuota,
    TrainingClass,
    TrainingPlan,
    class_lecturers,
)
from lms.delivery.standing import standing_of
from lms.errors import Conflict, InvalidInput, NotAllowed, NotEligible
from lms.extensions import db
from lms.formats import local_today
from lms.organisation.models import Unit
from lms.text import clean_name

THEORY_LEVEL_NAMES = {
    TheoryLevel.NONE: _l("chưa có"),
    TheoryLevel.ELEMENTARY: _l("sơ cấp"),
    TheoryLevel.INTERMEDIATE: _l("trung cấp"),
    TheoryLevel.ADVANCED: _l("cao cấp"),
}


def _text(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def theory_level_name(level: int) -> str:
    return str(THEORY_LEVEL_NAMES[TheoryLevel(level)])


# --- classes -------------------------------------------------------------------------------------


def ensure_manages_class(actor: User, klass: TrainingClass) -> None:
    """Only admins whose scope holds the class's managing unit run it."""
    accounts.ensure_unit_in_scope(actor, klass.unit)


def is_class_lecturer(user: User, klass: TrainingClass) -> bool:
    return any(lecturer.id == user.id for lecturer in klass.lecturers)


def can_view_class(user: User, klass: TrainingClass) -> bool:
    """Admins of the managing unit or of a unit below it (they nominate), the class's lecturers, and the
    inspectors whose subtree holds the class."""
    if is_class_lecturer(user, klass) or accounts.inspects(user, klass.unit):
        return True
    scope = user.admin_scope if user.has_role(Role.ADMIN) else None
    return scope is not None and (scope.contains(klass.unit) or klass.unit.contains(scope))


def save_class(
    actor: User,
    klass: TrainingClass | None,
    *,
    code: str,
    name: str,
    program: Program | None,
    module: Module | None,
    mode: DeliveryMode,
    starts_on: date,
    ends_on: date,
    place: str,
    capacity: int,
    unit: Unit,
    lecturers: list[User] = (),
) -> TrainingClass:
    """Create or update a class of a program or of one module, managed by a unit in the actor's scope."""
    accounts.ensure_unit_in_scope(actor, unit)
    if klass is not None:
        ensure_manages_class(actor, klass)
    code, name = clean_name(code).upper(), clean_name(name)
    if not code or not name:
        raise InvalidInput(_("Lớp cần có mã và tên."))
    if (program is None) == (module is None):
        raise InvalidInput(_("Chọn đúng một chương trình hoặc một học phần cho lớp."))
    CLASS_DATES.check(starts_on, _("Ngày bắt đầu"))
    CLASS_DATES.check(ends_on, _("Ngày kết thúc"))
    if ends_on < starts_on:
        raise InvalidInput(_("Ngày kết thúc phải sau ngày bắt đầu."))
    if capacity is None or capacity < 1:
        raise InvalidInput(_("Sĩ số tối đa phải lớn hơn 0."))
    if any(not lecturer.has_role(Role.LECTURER) for lecturer in lecturers):
        raise InvalidInput(_("Chỉ người có vai trò giảng viên mới được phân công giảng dạy."))
    clash = db.session.scalar(sa.select(TrainingClass.id).where(TrainingClass.code == code))
    if clash and (klass is None or clash != klass.id):
        raise Conflict(_("Mã lớp %(code)s đã tồn tại.", code=code))
    if klass is not None:
        seats = _seats_taken(klass)
        if capacity < seats:
            raise InvalidInput(_("Lớp đã có %(n)d học viên; sĩ số không thể nhỏ hơn.", n=seats))
    else:
        klass = TrainingClass()
        db.session.add(klass)
    klass.code, klass.name, klass.program, klass.module = code, name, program, module
    klass.mode, klass.starts_on, klass.ends_on = DeliveryMode(mode), starts_on, ends_on
    klass.place, klass.capacity, klass.unit = clean_name(place), capacity, unit
    klass.lecturers = list(lecturers)
    db.session.flush()
    audit.record(actor, "class.save", klass, code=code, mode=str(mode), capacity=capacity)
    return klass


# --- eligibility ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reason: str = ""


def _programs_of(klass: TrainingClass) -> list[Program]:
    """The program a class delivers, or the live programs containing its module."""
    if klass.program is not None:
        return [klass.program]
    return list(db.session.scalars(
        sa.select(Program).join(ProgramModule).where(ProgramModule.module_id == klass.module_id, Program.active)
    ))


def _check_program(trainee: User, program: Program, day: date) -> Eligibility:
    targets = {t.id for t in program.titles}
    held = {t.id for t in accounts.current_titles(trainee, AssignmentKind.HELD, day)}
    planned = {t.id for t in accounts.current_titles(trainee, AssignmentKind.PLANNED, day)}
    if targets and not targets & (held | planned):
        names = ", ".join(t.name for t in program.titles)
        return Eligibility(False, _(
            "%(name)s không giữ và không được quy hoạch chức danh nào mà chương trình %(program)s "
            "hướng tới (%(titles)s).",
            name=trainee.full_name, program=program.name, titles=names))
    if trainee.theory_level < program.required_theory_level:
        return Eligibility(False, _(
            "Chương trình %(program)s yêu cầu trình độ lý luận chính trị từ %(required)s; "
            "%(name)s mới có trình độ %(level)s.",
            program=program.name, required=theory_level_name(program.required_theory_level),
            name=trainee.full_name, level=theory_level_name(trainee.theory_level)))
    return Eligibility(True)


def _key_titles_planned(trainee: User, program: Program, day: date) -> list:
    targets = {t.id for t in program.titles}
    return [t for t in accounts.current_titles(trainee, AssignmentKind.PLANNED, day) if t.is_key and t.id in targets]


def _has_concentrated_seat(trainee: User, program: Program, other_than: TrainingClass | None = None) -> bool:
    query = (
        sa.select(Nomination.id).join(TrainingClass, Nomination.class_id == TrainingClass.id)
        .where(Nomination.trainee_id == trainee.id, Nomination.state.in_(SEAT_STATES),
               TrainingClass.program_id == program.id, TrainingClass.mode == DeliveryMode.CONCENTRATED)
    )
    if other_than is not None:
        query = query.where(TrainingClass.id != other_than.id)
    return db.session.scalar(query.limit(1)) is not None


def check_eligibility(trainee: User, klass: TrainingClass, day: date | None = None) -> Eligibility:
    """Whether the trainee belongs to the class's target group and meets its standards; the reason if not."""
    day = day or local_today()
    if not trainee.has_role(Role.TRAINEE):
        return Eligibility(False, _("%(name)s không phải là học viên.", name=trainee.full_name))
    programs = _programs_of(klass)
    if not programs:
        return Eligibility(True)
    results = [(program, _check_program(trainee, program, day)) for program in programs]
    fitting = [program for program, result in results if result.ok]
    if not fitting:
        return results[0][1]
    if klass.mode == DeliveryMode.ONLINE:
        for program in fitting:
            key_titles = _key_titles_planned(trainee, program, day)
            if key_titles and not _has_concentrated_seat(trainee, program, other_than=klass):
                return Eligibility(False, _(
                    "%(name)s được quy hoạch chức danh chủ chốt %(title)s nên phải học chương trình %(program)s "
                    "theo hình thức tập trung; không thể chỉ cử vào lớp trực tuyến.",
                    name=trainee.full_name, title=key_titles[0].name, program=program.name))
    return Eligibility(True)


# --- plans and quotas ----------------------------------------------------------------------------


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def quotas_for(trainee: User, klass: TrainingClass) -> list[tuple[PlanQuota, int]]:
    """Every quota the nomination counts against, with the seats already used in each: the plans of the
    trainee's unit and of each unit above it that have a quota for the class's program in the class's year,
    from the top unit down. A plan counts the nominations of its whole subtree (as the plan table does), so a
    nomination must fit every one of them.

    The quota rows stay locked until commit: nominations to different classes of one program, from this
    unit or another unit under the same plan, take their turn. They are locked in id order, so two
    nominations locking overlapping sets of quotas cannot deadlock."""
    if klass.program_id is None or trainee.unit is None:
        return []
    ancestor_ids = [int(part) for part in trainee.unit.path.strip("/").split("/") if part]
    rows = db.session.execute(
        sa.select(PlanQuota, Unit.path).select_from(PlanQuota)
        .join(TrainingPlan, PlanQuota.plan_id == TrainingPlan.id).join(Unit, TrainingPlan.unit_id == Unit.id)
        .where(TrainingPlan.unit_id.in_(ancestor_ids), TrainingPlan.year == klass.starts_on.year,
               PlanQuota.program_id == klass.program_id)
        .order_by(PlanQuota.id)
        .with_for_update(of=PlanQuota)
        .execution_options(populate_existing=True)
    ).all()
    start, end = _year_range(klass.starts_on.year)
    trainee_unit = sa.orm.aliased(Unit)
    counted = []
    for quota, path in sorted(rows, key=lambda row: len(row[1])):
        used = db.session.scalar(
            sa.select(sa.func.count(Nomination.id)).join(TrainingClass, Nomination.class_id == TrainingClass.id)
            .join(User, Nomination.trainee_id == User.id).join(trainee_unit, User.unit_id == trainee_unit.id)
            .where(TrainingClass.program_id == klass.program_id, TrainingClass.starts_on >= start,
                   TrainingClass.starts_on < end, Nomination.state.in_(SEAT_STATES),
                   trainee_unit.path.startswith(path))
        )
        counted.append((quota, used))
    return counted


PLAN_YEARS = range(2000, 2101)


def plan_quotas(actor: User, unit: Unit | None, year: int) -> dict[int, int]:
    """The quotas of a unit's plan for a year, by program id; NotAllowed for a unit outside the actor's scope
    (whether it exists or not)."""
    accounts.ensure_unit_in_scope(actor, unit)
    if year not in PLAN_YEARS:
        return {}
    return dict(db.session.execute(
        sa.select(PlanQuota.program_id, PlanQuota.quota).join(TrainingPlan)
        .where(TrainingPlan.unit_id == unit.id, TrainingPlan.year == year)).all())


def save_plan(actor: User, unit: Unit, year: int, quotas: dict[Program, int], note: str = "") -> TrainingPlan:
    """Create or update a unit's plan for a year: the quota per program (0 removes nothing, it plans none)."""
    accounts.ensure_unit_in_scope(actor, unit)
    if year not in PLAN_YEARS:
        raise InvalidInput(_("Năm kế hoạch không hợp lệ."))
    if any(q is None or q < 0 for q in quotas.values()):
        raise InvalidInput(_("Chỉ tiêu phải là số không âm."))
    plan = db.session.scalar(sa.select(TrainingPlan).where(TrainingPlan.unit_id == unit.id, TrainingPlan.year == year))
    if plan is None:
        plan = TrainingPlan(unit=unit, year=year)
        db.session.add(plan)
    plan.note = _text(note)
    existing = {q.program_id: q for q in plan.quotas}
    for program, value in quotas.items():
        row = existing.get(program.id)
        if row is None:
            plan.quotas.append(PlanQuota(program=program, quota=value))
        else:
            row.quota = value
    db.session.flush()
    audit.record(actor, "plan.save", plan, year=year, unit=unit.id,
                 quotas={p.code: v for p, v in quotas.items()})
    return plan


# --- nominations ---------------------------------------------------------------------------------


def _seats_taken(klass: TrainingClass) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Nomination.id)).where(Nomination.class_id == klass.id,
                                                       Nomination.state.in_(SEAT_STATES))
    )


def _lock_class(klass: TrainingClass) -> TrainingClass:
    """Lock the class row until commit so that concurrent nominations count seats one at a time.

    PostgreSQL takes a row lock (SELECT ... FOR UPDATE); SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    return db.session.scalars(
        sa.select(TrainingClass).where(TrainingClass.id == klass.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_trainees(user_ids) -> None:
    """Lock the trainees' rows until commit, in id order, so that two nominations of one person (to two
    classes of one program, each locked on its own) take their turn and the second sees the first."""
    db.session.execute(sa.select(User.id).where(User.id.in_(each_value(db.session, sorted(user_ids))))
                       .order_by(User.id)
                       .with_for_update(of=User)).all()


def same_program_same_year(klass: TrainingClass, trainee_ids) -> sa.Select:
    """(trainee id, class code) of the seats these trainees hold in another class of the same program (or
    module) starting in the same plan year: a second one is refused."""
    start, end = _year_range(klass.starts_on.year)
    subject = (TrainingClass.program_id == klass.program_id if klass.program_id is not None
               else TrainingClass.module_id == klass.module_id)
    return (sa.select(Nomination.trainee_id, sa.func.min(TrainingClass.code))
            .join(TrainingClass, Nomination.class_id == TrainingClass.id)
            .where(Nomination.trainee_id.in_(each_value(db.session, list(trainee_ids))),
                   Nomination.state.in_(SEAT_STATES), subject, TrainingClass.id != klass.id,
                   TrainingClass.starts_on >= start, TrainingClass.starts_on < end)
            .group_by(Nomination.trainee_id))


def twice_reason(trainee: User, klass: TrainingClass, other_code: str) -> str:
    return _("%(name)s đã được cử vào lớp %(other)s của cùng %(subject)s năm %(year)d; không cử lần thứ hai.",
             name=trainee.full_name, other=other_code, subject=_("chương trình") if klass.program_id else _("học phần"),
             year=klass.starts_on.year)


def nominate(actor: User, trainee: User, klass: TrainingClass, *, over_quota_reason: str | None = None) -> Nomination:
    """Nominate a trainee of the actor's scope to a class, "đúng đối tượng": eligibility, seats and quota."""
    accounts.ensure_can_manage(actor, trainee)
    if not can_view_class(actor, klass):
        raise NotAllowed(_("Lớp này không thuộc phạm vi cử người của bạn."))
    klass = _lock_class(klass)
    existing = db.session.scalar(
        sa.select(Nomination).where(Nomination.class_id == klass.id, Nomination.trainee_id == trainee.id)
    )
    if existing is not None and existing.state != NominationState.WITHDRAWN:
        raise Conflict(_("%(name)s đã được cử vào lớp này.", name=trainee.full_name))
    _lock_trainees([trainee.id])
    twice = dict(db.session.execute(same_program_same_year(klass, [trainee.id])).all())
    if trainee.id in twice:
        raise Conflict(twice_reason(trainee, klass, twice[trainee.id]))
    eligibility = check_eligibility(trainee, klass)
    if not eligibility.ok:
        raise NotEligible(eligibility.reason)
    if _seats_taken(klass) >= klass.capacity:
        raise Conflict(_("Lớp %(code)s đã đủ %(n)d học viên.", code=klass.code, n=klass.capacity))
    reason = _text(over_quota_reason) or None
    exceeded = [(quota, used) for quota, used in quotas_for(trainee, klass) if used >= quota.quota]
    over = bool(exceeded)
    if over and not reason:
        raise NotEligible(" ".join([*(_(
            "Đơn vị %(unit)s đã dùng %(used)d/%(quota)d chỉ tiêu năm %(year)d cho chương trình %(program)s.",
            unit=quota.plan.unit.name, used=used, quota=quota.quota, year=quota.plan.year,
            program=quota.program.name) for quota, used in exceeded),
            _("Muốn cử vượt chỉ tiêu, hãy ghi rõ lý do.")]))
    if existing is None:
        nomination = Nomination(training_class=klass, trainee=trainee)
        db.session.add(nomination)
    else:
        nomination = existing
    nomination.state = NominationState.NOMINATED
    nomination.nominated_by = actor
    nomination.nominated_at = nomination.updated_at = utcnow()
    nomination.over_quota_reason = reason if over else None
    nomination.flag_reason = nomination.flagged_at = None
    db.session.flush()
    audit.record(actor, "nomination.nominated", nomination, class_code=klass.code, trainee=trainee.username)
    if over:
        quota, used = exceeded[-1]  # the nearest plan overrun; `plans` lists every one
        audit.record(actor, "nomination.over_quota", nomination, reason=reason, quota=quota.quota, used=used,
                     plans=[{"unit": q.plan.unit_id, "quota": q.quota, "used": u} for q, u in exceeded])
    signals.nomination_changed.send(nomination=nomination, actor=actor)
    return nomination


TRANSITIONS = {
    NominationState.APPROVED: (NominationState.NOMINATED,),
    NominationState.ENROLLED: (NominationState.APPROVED,),
    NominationState.COMPLETED: (NominationState.ENROLLED,),
    NominationState.WITHDRAWN: ACTIVE_STATES,
}


def change_state(actor: User, nomination: Nomination, new_state: NominationState, note: str = "") -> Nomination:
    """Move a nomination along nominated -> approved -> enrolled -> completed, or withdraw it; audited."""
    new_state = NominationState(new_state)
    klass = nomination.training_class
    if new_state == NominationState.WITHDRAWN:
        # The class's admins, or the admins who manage the trainee (the nominating side).
        try:
            ensure_manages_class(actor, klass)
        except NotAllowed:
            accounts.ensure_can_manage(actor, nomination.trainee)
    else:
        ensure_manages_class(actor, klass)
    if new_state == NominationState.WITHDRAWN and not _text(note):
        raise InvalidInput(_("Hãy ghi lý do rút %(name)s khỏi lớp.", name=nomination.trainee.full_name))
    if nomination.state not in TRANSITIONS[new_state]:
        raise Conflict(_("Không thể chuyển đề cử từ trạng thái %(old)s sang %(new)s.",
                         old=state_label(nomination.state), new=state_label(new_state)))
    if new_state == NominationState.COMPLETED:
        standing = standing_of(nomination)
        if standing.blocks_completion:
            raise NotEligible(_("%(name)s chưa thể hoàn thành lớp: %(reason)s", name=nomination.trainee.full_name,
                                reason=standing.reason()))
    if nomination.flagged_at is not None and new_state in (NominationState.APPROVED, NominationState.ENROLLED):
        raise NotEligible(_("Đề cử đang bị đánh dấu: %(reason)s Hãy rút đề cử hoặc xác nhận giữ lại kèm lý do.",
                            reason=nomination.flag_reason))
    old = nomination.state
    nomination.state = new_state
    nomination.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, f"nomination.{new_state.value}", nomination, previous=old.value, note=_text(note) or None)
    signals.nomination_changed.send(nomination=nomination, actor=actor)
    return nomination


def keep_flagged(actor: User, nomination: Nomination, reason: str) -> None:
    """The class's admin decides to keep a flagged nomination, and says why."""
    ensure_manages_class(actor, nomination.training_class)
    reason = _text(reason)
    if not reason:
        raise InvalidInput(_("Hãy ghi lý do giữ lại đề cử."))
    if nomination.flagged_at is None:
        return
    audit.record(actor, "nomination.flag_kept", nomination, flag=nomination.flag_reason, reason=reason)
    nomination.flag_reason = nomination.flagged_at = None


def review_nominations_of(user: User, actor: User | None = None) -> list[Nomination]:
    """Re-check the user's active nominations after their titles changed; flag the ones that no longer fit."""
    return _review(db.session.scalars(
        sa.select(Nomination).where(Nomination.trainee_id == user.id, Nomination.state.in_(ACTIVE_STATES))
    ).all(), actor)


def review_nominations_of_users(user_ids, actor: User | None = None) -> list[Nomination]:
    """`review_nominations_of` for many users (an import): their active nominations read in one statement."""
    return _review(db.session.scalars(
        sa.select(Nomination).where(Nomination.trainee_id.in_(each_value(db.session, user_ids)),
                                    Nomination.state.in_(ACTIVE_STATES))
        .order_by(Nomination.id)
    ).all(), actor)


def _review(nominations: list[Nomination], actor: User | None) -> list[Nomination]:
    flagged = []
    for nomination in nominations:
        result = check_eligibility(nomination.trainee, nomination.training_class)
        if not result.ok and nomination.flagged_at is None:
            nomination.flag_reason, nomination.flagged_at = result.reason, utcnow()
            audit.record(actor, "nomination.flagged", nomination, reason=result.reason)
            flagged.append(nomination)
        elif result.ok and nomination.flagged_at is not None:
            nomination.flag_reason = nomination.flagged_at = None
            audit.record(actor, "nomination.unflagged", nomination)
    db.session.flush()
    return flagged


def _on_titles_changed(_sender=None, *, user, actor=None, **_kwargs):
    review_nominations_of(user, actor)


def _on_users_titles_changed(_sender=None, *, user_ids, actor=None, **_kwargs):
    review_nominations_of_users(user_ids, actor)


def taught_modules(user_id: int) -> sa.Select:
    """The modules of the classes a lecturer teaches: a single-module class's module, every module of a program
    class's program (a lecturer's "của tôi" in the authoring list counts them)."""
    classes = sa.select(class_lecturers.c.class_id).where(class_lecturers.c.user_id == user_id)
    return sa.select(Module.id).where(sa.or_(
        Module.id.in_(sa.select(TrainingClass.module_id).where(TrainingClass.id.in_(classes))),
        Module.id.in_(sa.select(ProgramModule.module_id).where(ProgramModule.program_id.in_(
            sa.select(TrainingClass.program_id).where(TrainingClass.id.in_(classes)))))))


def connect_signals() -> None:
    from lms.curriculum import queries as curriculum_queries
    from lms.delivery import mentions

    mentions.register()
    curriculum_queries.register_mine_source(taught_modules)
    signals.titles_changed.connect(_on_titles_changed, weak=False)
    signals.users_titles_changed.connect(_on_users_titles_changed, weak=False)
    signals.bulk_titles_started.connect(_on_bulk_titles_started, weak=False)
    signals.bulk_titles_finished.connect(_on_bulk_titles_finished, weak=False)


def _on_bulk_titles_started(_sender=None, **_extra) -> None:
    """The training needs of a bulk write of titles: per-row upkeep set aside, then the people refreshed at once."""
    need_triggers.suspend(db.session.connection())


def _on_bulk_titles_finished(_sender=None, *, user_ids, **_extra) -> None:
    connection = db.session.connection()
    if user_ids:
        need_triggers.refresh_users(connection, user_ids)
    need_triggers.restore(connection)


STATE_LABELS = {
    NominationState.NOMINATED: _l("Đã cử"),
    NominationState.APPROVED: _l("Đã duyệt"),
    NominationState.ENROLLED: _l("Đang học"),
    NominationState.COMPLETED: _l("Hoàn thành"),
    NominationState.WITHDRAWN: _l("Đã rút"),
}


def state_label(state: NominationState) -> str:
    return str(STATE_LABELS[NominationState(state)])
