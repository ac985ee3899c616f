"""Read-side aggregates for the completion dashboard, all computed in SQL.

The facts are `program_statuses` rows (one per trainee and required program), seen through the trainee's
unit (scope, unit tree, locality) and current held titles. Every query here is one statement whatever the
number of rows; grouping by unit or locality first aggregates per `users.unit_id` (a few thousand groups at
national scale) and only then rolls those up the tree or the province, so the wide scan happens once.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import AssignmentKind, TitleAssignment, User
from lms.curriculum.models import Program
from lms.learning.models import ProgramState, ProgramStatus
from lms.organisation.models import Locality, Title, Unit

DIMENSIONS = ("unit", "locality", "title", "program", "year")
STATUSES = ("all", "completed", "in_progress", "not_started", "overdue")


@dataclass(frozen=True)
class Filters:
    """What the admin narrowed the dashboard to; every field combines with the others (AND)."""

    scope_path: str  # the admin's unit subtree; never widened by the other filters
    unit: Unit | None = None  # drill-down node (inside the scope)
    direct: bool = False  # only people directly in `unit`, not in its sub-units
    province_id: int | None = None
    commune_id: int | None = None
    title_id: int | None = None
    program_id: int | None = None
    year: int | None = None
    today: date = field(default_factory=date.today)

    @property
    def unit_path(self) -> str:
        return self.unit.path if self.unit is not None else self.scope_path

    def narrowed(self, **changes) -> Filters:
        return replace(self, **changes)

    def as_args(self) -> dict:
        """The query-string form of these filters (for links and exports)."""
        args = {
            "unit": self.unit.id if self.unit is not None else None,
            "direct": 1 if self.direct else None,
            "province": self.province_id,
            "commune": self.commune_id,
            "title": self.title_id,
            "program": self.program_id,
            "year": self.year,
        }
        return {k: v for k, v in args.items() if v is not None}


def _counts(today: date) -> list:
    state = ProgramStatus.state
    overdue = sa.and_(state != ProgramState.COMPLETED, ProgramStatus.due_on < today)
    return [
        sa.func.count().label("total"),
        sa.func.sum(sa.case((state == ProgramState.COMPLETED, 1), else_=0)).label("completed"),
        sa.func.sum(sa.case((state == ProgramState.IN_PROGRESS, 1), else_=0)).label("in_progress"),
        sa.func.sum(sa.case((state == ProgramState.NOT_STARTED, 1), else_=0)).label("not_started"),
        sa.func.sum(sa.case((overdue, 1), else_=0)).label("overdue"),
    ]


def _held_title_current(today: date):
    return sa.and_(
        TitleAssignment.kind == AssignmentKind.HELD,
        TitleAssignment.start_date <= today,
        sa.or_(TitleAssignment.end_date.is_(None), TitleAssignment.end_date >= today),
    )


def _status_condition(status: str, today: date):
    if status == "overdue":
        return sa.and_(ProgramStatus.state != ProgramState.COMPLETED, ProgramStatus.due_on < today)
    if status in ("completed", "in_progress", "not_started"):
        return ProgramStatus.state == ProgramState(status)
    return None


def _where(select: sa.Select, f: Filters, *, status: str = "all") -> sa.Select:
    """Join the trainee and their unit and apply every filter."""
    select = select.join(User, User.id == ProgramStatus.user_id).join(Unit, Unit.id == User.unit_id)
    if f.direct and f.unit is not None:
        select = select.where(User.unit_id == f.unit.id)
    else:
        select = select.where(Unit.path.startswith(f.unit_path, autoescape=True))
    if f.unit is not None and f.unit_path != f.scope_path:
        # Belt and braces: a drill-down node outside the scope never widens it.
        select = select.where(Unit.path.startswith(f.scope_path, autoescape=True))
    if f.commune_id is not None:
        select = select.where(Unit.locality_id == f.commune_id)
    elif f.province_id is not None:
        in_province = sa.select(Locality.id).where(
            sa.or_(Locality.id == f.province_id, Locality.parent_id == f.province_id))
        select = select.where(Unit.locality_id.in_(in_province))
    if f.title_id is not None:
        select = select.where(
            sa.exists().where(TitleAssignment.user_id == ProgramStatus.user_id,
                              TitleAssignment.title_id == f.title_id, _held_title_current(f.today)))
    if f.program_id is not None:
        select = select.where(ProgramStatus.program_id == f.program_id)
    if f.year is not None:
        select = select.where(ProgramStatus.started_on >= date(f.year, 1, 1),
                              ProgramStatus.started_on < date(f.year + 1, 1, 1))
    condition = _status_condition(status, f.today)
    if condition is not None:
        select = select.where(condition)
    return select


def totals(f: Filters) -> sa.Select:
    """One row: total, completed, in_progress, not_started, overdue over the filtered facts."""
    return _where(sa.select(*_counts(f.today)).select_from(ProgramStatus), f)


def _per_unit(f: Filters):
    """Counts per trainee unit, as a subquery: the only wide scan of the unit and locality breakdowns."""
    cols = [User.unit_id.label("unit_id"), *_counts(f.today)]
    return _where(sa.select(*cols).select_from(ProgramStatus), f).group_by(User.unit_id).subquery("per_unit")


def by_unit(f: Filters) -> sa.Select:
    """Rows (id, name, direct, counts...) for each child of the drill node, plus one row for people
    directly in the node itself (direct=True); a child covers its whole subtree."""
    node_path = f.unit_path
    per_unit = _per_unit(f)
    sums = [sa.func.sum(per_unit.c[name]).label(name)
            for name in ("total", "completed", "in_progress", "not_started", "overdue")]
    node = sa.select(Unit.id).where(Unit.path == node_path).scalar_subquery()
    child = aliased(Unit, name="child")
    member = aliased(Unit, name="member")
    children = (
        sa.select(child.id, child.name, sa.literal(False).label("direct"), *sums)
        .select_from(per_unit)
        .join(member, member.id == per_unit.c.unit_id)
        .join(child, sa.and_(child.parent_id == node,
                             member.path.like(child.path + "%")))
        .group_by(child.id, child.name)
    )
    itself = (
        sa.select(Unit.id, Unit.name, sa.literal(True).label("direct"), *sums)
        .select_from(per_unit)
        .join(Unit, Unit.id == per_unit.c.unit_id)
        .where(Unit.path == node_path)
        .group_by(Unit.id, Unit.name)
    )
    union = sa.union_all(itself, children).subquery("rows")
    return sa.select(union).order_by(union.c.direct.desc(), union.c.name)


def by_locality(f: Filters) -> sa.Select:
    """Rows (id, name, counts...) per province, or per commune when a province is chosen.

    People whose unit sits at the province level itself form the province's own row in the commune view.
    """
    per_unit = _per_unit(f)
    sums = [sa.func.sum(per_unit.c[name]).label(name)
            for name in ("total", "completed", "in_progress", "not_started", "overdue")]
    place = aliased(Locality, name="place")
    key = sa.func.coalesce(place.parent_id, place.id) if f.province_id is None else place.id
    group = aliased(Locality, name="grp")
    inner = (
        sa.select(key.label("locality_id"), *sums)
        .select_from(per_unit)
        .join(Unit, Unit.id == per_unit.c.unit_id)
        .join(place, place.id == Unit.locality_id)
        .group_by(key)
        .subquery("by_place")
    )
    return (
        sa.select(group.id, group.name, group.parent_id,
                  *[inner.c[n] for n in ("total", "completed", "in_progress", "not_started", "overdue")])
        .join(inner, inner.c.locality_id == group.id)
        .order_by(group.parent_id.is_not(None), group.name)
    )


def by_title(f: Filters) -> sa.Select:
    """Rows (id, name, counts...) per title currently held; a person holding two titles counts in both."""
    cols = [Title.id, Title.name, *_counts(f.today)]
    select = (
        sa.select(*cols).select_from(ProgramStatus)
        .join(TitleAssignment, sa.and_(TitleAssignment.user_id == ProgramStatus.user_id,
                                       _held_title_current(f.today)))
        .join(Title, Title.id == TitleAssignment.title_id)
    )
    return _where(select, f).group_by(Title.id, Title.name).order_by(Title.name)


def by_program(f: Filters) -> sa.Select:
    per_program = (
        _where(sa.select(ProgramStatus.program_id, *_counts(f.today)).select_from(ProgramStatus), f)
        .group_by(ProgramStatus.program_id).subquery("per_program")
    )
    return (
        sa.select(Program.id, Program.name,
                  *[per_program.c[n] for n in ("total", "completed", "in_progress", "not_started", "overdue")])
        .join(per_program, per_program.c.program_id == Program.id)
        .order_by(Program.name)
    )


def by_year(f: Filters) -> sa.Select:
    """Rows (year, counts...) by the year each trainee's program cycle started."""
    year = sa.extract("year", ProgramStatus.started_on)
    return (
        _where(sa.select(year.label("id"), *_counts(f.today)).select_from(ProgramStatus), f)
        .group_by(year).order_by(year)
    )


BREAKDOWNS = {"unit": by_unit, "locality": by_locality, "title": by_title, "program": by_program,
              "year": by_year}


def monthly_completions(f: Filters, months: int = 12) -> sa.Select:
    """Rows (year, month, completed) for completions in the last `months` months, over the filters."""
    first = _month_start(f.today, months - 1)
    year = sa.extract("year", ProgramStatus.completed_at)
    month = sa.extract("month", ProgramStatus.completed_at)
    select = sa.select(year.label("year"), month.label("month"), sa.func.count().label("completed"))
    select = select.select_from(ProgramStatus).where(ProgramStatus.completed_at >= first)
    return _where(select, f, status="completed").group_by(year, month).order_by(year, month)


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def month_keys(today: date, months: int = 12) -> list[tuple[int, int]]:
    """The (year, month) pairs of the trend, oldest first."""
    keys = []
    for back in range(months - 1, -1, -1):
        start = _month_start(today, back)
        keys.append((start.year, start.month))
    return keys


PEOPLE_COLUMNS = ("user_id", "full_name", "username", "unit_name", "program_name", "state",
                  "required_done", "required_total", "started_on", "due_on", "completed_at")


def people(f: Filters, status: str = "all") -> sa.Select:
    """The people behind a figure: one row per (trainee, program) status, ordered by name."""
    select = sa.select(
        User.id.label("user_id"), User.full_name, User.username, Unit.name.label("unit_name"),
        Program.name.label("program_name"), ProgramStatus.state, ProgramStatus.required_done,
        ProgramStatus.required_total, ProgramStatus.started_on, ProgramStatus.due_on,
        ProgramStatus.completed_at,
    ).select_from(ProgramStatus)
    select = _where(select, f, status=status).join(Program, Program.id == ProgramStatus.program_id)
    return select.order_by(User.full_name, User.id, ProgramStatus.id)


def people_count(f: Filters, status: str = "all") -> sa.Select:
    return _where(sa.select(sa.func.count()).select_from(ProgramStatus), f, status=status)
