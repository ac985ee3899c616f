"""Read-side queries for delivery pages and dashboards; each returns a Select aggregated in SQL."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.curriculum.models import Program
from lms.delivery.models import (
    SEAT_STATES,
    Nomination,
    NominationState,
    PlanQuota,
    TrainingClass,
    TrainingPlan,
)
from lms.organisation.models import Unit


def plan_vs_actual(year: int, scope: Unit | None = None) -> sa.Select:
    """Plan versus actual for one year: one row per planned (unit, program), counting the nominations of
    trainees in the unit's subtree to classes of that program starting that year.

    Columns: unit_id, unit_name, unit_path, program_id, program_code, program_name, quota, nominated
    (every nomination holding a seat), enrolled (enrolled or completed), completed, remaining (quota minus
    nominated; negative when over), over_quota (nominations admitted over the quota with a reason).
    Ordered by unit path, then program code. `scope` limits rows to plans of units in that subtree.
    """
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    trainee_unit = aliased(Unit)
    actual = (
        sa.select(
            Nomination.id.label("nomination_id"),
            Nomination.state.label("state"),
            Nomination.over_quota_reason.label("over_quota_reason"),
            TrainingClass.program_id.label("program_id"),
            trainee_unit.path.label("unit_path"),
        )
        .join(TrainingClass, Nomination.class_id == TrainingClass.id)
        .join(User, Nomination.trainee_id == User.id)
        .join(trainee_unit, User.unit_id == trainee_unit.id)
        .where(TrainingClass.starts_on >= start, TrainingClass.starts_on < end,
               TrainingClass.program_id.is_not(None), Nomination.state.in_(SEAT_STATES))
        .subquery("actual")
    )
    enrolled_states = (NominationState.ENROLLED.value, NominationState.COMPLETED.value)
    nominated = sa.func.count(actual.c.nomination_id)
    query = (
        sa.select(
            Unit.id.label("unit_id"),
            Unit.name.label("unit_name"),
            Unit.path.label("unit_path"),
            Program.id.label("program_id"),
            Program.code.label("program_code"),
            Program.name.label("program_name"),
            PlanQuota.quota.label("quota"),
            nominated.label("nominated"),
            sa.func.count(sa.case((actual.c.state.in_(enrolled_states), actual.c.nomination_id))).label("enrolled"),
            sa.func.count(sa.case((actual.c.state == NominationState.COMPLETED.value, actual.c.nomination_id)))
            .label("completed"),
            (PlanQuota.quota - nominated).label("remaining"),
            sa.func.count(actual.c.over_quota_reason).label("over_quota"),
        )
        .select_from(PlanQuota)
        .join(TrainingPlan, PlanQuota.plan_id == TrainingPlan.id)
        .join(Unit, TrainingPlan.unit_id == Unit.id)
        .join(Program, PlanQuota.program_id == Program.id)
        .outerjoin(actual, sa.and_(actual.c.program_id == PlanQuota.program_id,
                                   actual.c.unit_path.startswith(Unit.path)))
        .where(TrainingPlan.year == year)
        .group_by(Unit.id, Unit.name, Unit.path, Program.id, Program.code, Program.name, PlanQuota.quota)
        .order_by(Unit.path, Program.code)
    )
    if scope is not None:
        query = query.where(Unit.path.startswith(scope.path))
    return query


def classes_in(scope: Unit) -> sa.Select:
    """Classes managed by a unit of the subtree (what an inspector of it reads)."""
    return (sa.select(TrainingClass).join(Unit, TrainingClass.unit_id == Unit.id)
            .where(Unit.path.startswith(scope.path)).order_by(TrainingClass.starts_on.desc(), TrainingClass.code))


def classes_visible_to(admin_scope: Unit) -> sa.Select:
    """Classes an admin runs (managing unit in scope) or may nominate to (managed above their scope)."""
    return (
        sa.select(TrainingClass).join(Unit, TrainingClass.unit_id == Unit.id)
        .where(sa.or_(Unit.path.startswith(admin_scope.path), sa.literal(admin_scope.path).startswith(Unit.path)))
        .order_by(TrainingClass.starts_on.desc(), TrainingClass.code)
    )


def seats_by_class(class_ids) -> sa.Select:
    """(class_id, seats taken) for these classes."""
    return (
        sa.select(Nomination.class_id, sa.func.count(Nomination.id))
        .where(Nomination.class_id.in_(class_ids), Nomination.state.in_(SEAT_STATES))
        .group_by(Nomination.class_id)
    )
