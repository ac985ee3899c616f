"""Nominating many people to a class at once: a people picker, a dry run, and a confirmation that either
nominates everyone accepted or no one; bulk approve, enrol and withdraw the same way.

The confirmation re-runs the dry run under the locks a single nomination takes (the class row, the plan
quotas in id order, then the trainees' rows in id order): seats, quotas and the one-nomination-per-program-
and-year rule hold whatever runs beside it. Any refusal at confirmation (someone took the last seats in the
meantime) refuses the whole confirmation with every reason listed; nothing is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lms import audit, signals
from lms.accounts import services as accounts
from lms.accounts.models import AssignmentKind, Role, RoleGrant, TitleAssignment, User
from lms.curriculum.models import program_titles
from lms.db import each_value, utcnow
from lms.delivery import services
from lms.delivery.models import SEAT_STATES, Nomination, NominationState, PlanQuota, TrainingClass, TrainingPlan
from lms.errors import Conflict, InvalidInput, NotAllowed, NotEligible
from lms.extensions import db
from lms.formats import local_today
from lms.organisation.models import Unit
from lms.text import fold_words

PAGE_SIZE = 50
MAX_SELECTION = 2000


@dataclass(frozen=True)
class PickerFilters:
    unit: Unit | None = None  # a unit subtree inside the admin's scope
    title_id: int | None = None
    title_kind: str = "any"  # any | held | planned
    theory_level: int | None = None  # at least this level
    eligible_only: bool = False
    search: str = ""


def _current(day: date):
    return sa.and_(TitleAssignment.start_date <= day,
                   sa.or_(TitleAssignment.end_date.is_(None), TitleAssignment.end_date >= day))


def picker(actor: User, klass: TrainingClass, f: PickerFilters, day: date | None = None) -> sa.Select:
    """Active trainees of the admin's scope (or a unit subtree in it) under the filters, in name order.

    Columns: id, full_name, username, theory_level, unit_name, taken (already holds a seat in this class).
    "Eligible only" applies in SQL what a nomination checks first: a current held or planned title the class's
    program targets, the program's theory level, no seat in a class of the same program that year.
    """
    day = day or local_today()
    scope = accounts.admin_scope(actor)
    base = f.unit if f.unit is not None else scope
    if not scope.contains(base):
        raise NotAllowed(_("Đơn vị này nằm ngoài phạm vi quản lý của bạn."))
    taken = sa.exists().where(Nomination.class_id == klass.id, Nomination.trainee_id == User.id,
                              Nomination.state.in_(SEAT_STATES))
    query = (sa.select(User.id, User.full_name, User.username, User.theory_level, Unit.name.label("unit_name"),
                       taken.label("taken"))
             .join(Unit, Unit.id == User.unit_id)
             .where(Unit.path.startswith(base.path, autoescape=True), User.active,
                    sa.exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role.TRAINEE)))
    if f.title_id is not None:
        kinds = [AssignmentKind(f.title_kind)] if f.title_kind in ("held", "planned") else list(AssignmentKind)
        query = query.where(sa.exists().where(TitleAssignment.user_id == User.id,
                                              TitleAssignment.title_id == f.title_id,
                                              TitleAssignment.kind.in_(kinds), _current(day)))
    if f.theory_level is not None:
        query = query.where(User.theory_level >= f.theory_level)
    if f.eligible_only and klass.program is not None:
        program = klass.program
        targets = sa.select(program_titles.c.title_id).where(program_titles.c.program_id == program.id)
        if program.titles:
            query = query.where(sa.exists().where(TitleAssignment.user_id == User.id,
                                                  TitleAssignment.title_id.in_(targets), _current(day)))
        start, end = date(klass.starts_on.year, 1, 1), date(klass.starts_on.year + 1, 1, 1)
        query = query.where(User.theory_level >= program.required_theory_level, ~taken, ~sa.exists().where(
            Nomination.trainee_id == User.id, Nomination.state.in_(SEAT_STATES),
            Nomination.class_id.in_(sa.select(TrainingClass.id).where(
                TrainingClass.program_id == program.id, TrainingClass.starts_on >= start,
                TrainingClass.starts_on < end))))
    for word in fold_words(f.search).split()[:5]:
        query = query.where(User.search_key.contains(word, autoescape=True))
    return query.order_by(User.sort_key, User.id)


@dataclass
class QuotaEffect:
    unit_name: str
    quota: int
    used: int
    adding: int

    @property
    def after(self) -> int:
        return self.used + self.adding

    @property
    def over(self) -> bool:
        return self.adding > 0 and self.after > self.quota


@dataclass
class BulkPlan:
    klass: TrainingClass
    accepted: list[User] = field(default_factory=list)
    refused: list[tuple[User | None, str]] = field(default_factory=list)  # (person, reason)
    quotas: list[QuotaEffect] = field(default_factory=list)
    seats_free: int = 0

    @property
    def over_quota(self) -> bool:
        return any(q.over for q in self.quotas)


def _load(ids: list[int]) -> dict[int, User]:
    """The selected people with what the checks read (titles, roles, unit), in three statements."""
    users = db.session.scalars(
        sa.select(User).where(User.id.in_(each_value(db.session, ids)))
        .options(selectinload(User.title_assignments), selectinload(User.unit))).all()
    return {u.id: u for u in users}


def _quota_effects(klass: TrainingClass, accepted: list[User], *, lock: bool) -> list[QuotaEffect]:
    """Each plan quota the accepted people count against (plans of their units and the units above, for the
    class's program and year): its seats used now and the seats this confirmation adds, top unit first."""
    if klass.program_id is None or not accepted:
        return []
    ancestors = sorted({int(p) for u in accepted if u.unit for p in u.unit.path.strip("/").split("/") if p})
    query = (sa.select(PlanQuota, Unit.path, Unit.name).select_from(PlanQuota)
             .join(TrainingPlan, PlanQuota.plan_id == TrainingPlan.id).join(Unit, TrainingPlan.unit_id == Unit.id)
             .where(TrainingPlan.unit_id.in_(each_value(db.session, ancestors)),
                    TrainingPlan.year == klass.starts_on.year, PlanQuota.program_id == klass.program_id)
             .order_by(PlanQuota.id))
    if lock:
        query = query.with_for_update(of=PlanQuota).execution_options(populate_existing=True)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    start, end = date(klass.starts_on.year, 1, 1), date(klass.starts_on.year + 1, 1, 1)
    trainee_unit = sa.orm.aliased(Unit)
    plan_unit = sa.orm.aliased(Unit)
    used = dict(db.session.execute(
        sa.select(plan_unit.path, sa.func.count(Nomination.id))
        .select_from(Nomination).join(TrainingClass, Nomination.class_id == TrainingClass.id)
        .join(User, Nomination.trainee_id == User.id).join(trainee_unit, User.unit_id == trainee_unit.id)
        .join(plan_unit, trainee_unit.path.startswith(plan_unit.path))
        .where(plan_unit.path.in_([path for _q, path, _n in rows]), TrainingClass.program_id == klass.program_id,
               TrainingClass.starts_on >= start, TrainingClass.starts_on < end, Nomination.state.in_(SEAT_STATES))
        .group_by(plan_unit.path)).all())
    effects = []
    for quota, path, name in sorted(rows, key=lambda row: len(row[1])):
        adding = sum(1 for u in accepted if u.unit is not None and u.unit.path.startswith(path))
        effects.append(QuotaEffect(name, quota.quota, int(used.get(path, 0)), adding))
    return effects


def plan_nominations(actor: User, klass: TrainingClass, ids: list[int], *, lock: bool = False) -> BulkPlan:
    """The dry run: who would be accepted, who refused and why, and what it does to seats and quotas."""
    if not services.can_view_class(actor, klass) or not actor.has_role(Role.ADMIN):
        raise NotAllowed(_("Lớp này không thuộc phạm vi cử người của bạn."))
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise InvalidInput(_("Hãy chọn ít nhất một người."))
    if len(ids) > MAX_SELECTION:
        raise InvalidInput(_("Mỗi lần cử tối đa %(n)d người.", n=MAX_SELECTION))
    if lock:
        klass = services._lock_class(klass)
    people = _load(ids)
    plan = BulkPlan(klass)
    in_class = set(db.session.scalars(sa.select(Nomination.trainee_id).where(
        Nomination.class_id == klass.id, Nomination.state.in_(SEAT_STATES),
        Nomination.trainee_id.in_(each_value(db.session, ids)))))
    if lock:
        services._lock_trainees(ids)
    twice = dict(db.session.execute(services.same_program_same_year(klass, ids)).all())
    free = klass.capacity - services._seats_taken(klass)
    plan.seats_free = max(free, 0)
    day = local_today()
    for user_id in ids:
        user = people.get(user_id)
        if user is None:
            plan.refused.append((None, _("Không tìm thấy người dùng số %(id)d.", id=user_id)))
            continue
        reason = _refusal(actor, user, klass, in_class, twice, day)
        if reason is None and len(plan.accepted) >= free:
            reason = _("Lớp %(code)s đã đủ %(n)d học viên.", code=klass.code, n=klass.capacity)
        if reason is None:
            plan.accepted.append(user)
        else:
            plan.refused.append((user, reason))
    plan.quotas = _quota_effects(klass, plan.accepted, lock=lock)
    return plan


def _refusal(actor, user, klass, in_class, twice, day) -> str | None:
    try:
        accounts.ensure_can_manage(actor, user)
    except NotAllowed:
        return _("%(name)s không thuộc phạm vi quản lý của bạn.", name=user.full_name)
    if user.id in in_class:
        return _("%(name)s đã được cử vào lớp này.", name=user.full_name)
    if user.id in twice:
        return services.twice_reason(user, klass, twice[user.id])
    eligibility = services.check_eligibility(user, klass, day)
    return None if eligibility.ok else eligibility.reason


def nominate_many(actor: User, klass: TrainingClass, ids: list[int], *,
                  over_quota_reason: str | None = None) -> list[Nomination]:
    """Nominate everyone in `ids`, or no one: any refusal, or a quota overrun without a reason, refuses all."""
    plan = plan_nominations(actor, klass, ids, lock=True)
    if plan.refused:
        error = Conflict(_("Không cử được: %(n)d người không đủ điều kiện nữa; chưa ai được cử.", n=len(plan.refused)))
        error.problems = [reason for _user, reason in plan.refused]
        raise error
    reason = services._text(over_quota_reason) or None
    if plan.over_quota and not reason:
        error = NotEligible(_("Lần cử này vượt chỉ tiêu kế hoạch; muốn cử vượt chỉ tiêu, hãy ghi rõ lý do."))
        error.problems = [_("%(unit)s: chỉ tiêu %(quota)d, đã dùng %(used)d, thêm %(adding)d.", unit=q.unit_name,
                            quota=q.quota, used=q.used, adding=q.adding) for q in plan.quotas if q.over]
        raise error
    klass = plan.klass
    existing = {n.trainee_id: n for n in db.session.scalars(sa.select(Nomination).where(
        Nomination.class_id == klass.id, Nomination.trainee_id.in_(each_value(db.session, ids))))}
    now = utcnow()
    nominations = []
    for user in plan.accepted:
        nomination = existing.get(user.id) or Nomination(training_class=klass, trainee=user)
        nomination.state = NominationState.NOMINATED
        nomination.nominated_by = actor
        nomination.nominated_at = nomination.updated_at = now
        nomination.over_quota_reason = reason if plan.over_quota else None
        nomination.flag_reason = nomination.flagged_at = None
        db.session.add(nomination)
        nominations.append(nomination)
    db.session.flush()
    for nomination in nominations:
        audit.record(actor, "nomination.nominated", nomination, class_code=klass.code,
                     trainee=nomination.trainee.username, bulk=True)
        signals.nomination_changed.send(nomination=nomination, actor=actor)
    audit.record(actor, "nomination.bulk", klass, count=len(nominations), over_quota_reason=reason if plan.over_quota
                 else None)
    return nominations


def change_many(actor: User, klass: TrainingClass, nomination_ids: list[int], new_state: NominationState,
                note: str = "") -> int:
    """Approve, enrol or withdraw the chosen nominations of a class, all or none; withdrawing needs a reason."""
    new_state = NominationState(new_state)
    if not nomination_ids:
        raise InvalidInput(_("Hãy chọn ít nhất một đề cử."))
    if new_state == NominationState.WITHDRAWN and not services._text(note):
        raise InvalidInput(_("Hãy ghi lý do rút khỏi lớp."))
    services._lock_class(klass)
    nominations = db.session.scalars(
        sa.select(Nomination).where(Nomination.class_id == klass.id,
                                    Nomination.id.in_(each_value(db.session, nomination_ids)))
        .options(selectinload(Nomination.trainee)).order_by(Nomination.id)).all()
    problems = []
    if len(nominations) != len(set(nomination_ids)):
        problems.append(_("Có đề cử không thuộc lớp này."))
    for nomination in nominations:
        try:  # the checks come before any write; one refusal fails the request, which rolls back the rest
            services.change_state(actor, nomination, new_state, note=note)
        except (Conflict, NotEligible, NotAllowed, InvalidInput) as refused:
            problems.append(f"{nomination.trainee.full_name}: {refused.message}")
    if problems:
        error = Conflict(_("Không cập nhật được %(n)d đề cử; chưa đề cử nào thay đổi.", n=len(problems)))
        error.problems = problems
        raise error
    return len(nominations)

