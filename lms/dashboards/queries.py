"""Read-side aggregates for the completion dashboard, all computed in SQL, one statement each.

They read `completion_facts` (see lms.dashboards.models): one narrow row per program status carrying its
trainee's unit, locality, province and held titles, so no figure joins the big tables. Grouping by unit first
aggregates per `unit_id` (a few thousand groups at national scale) and only then rolls those groups up the
unit tree with the materialised paths, so the wide scan happens once.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.curriculum.models import Program
from lms.dashboards.models import CompletionFact as Fact
from lms.db import shifted
from lms.formats import local_today, utc_offset_seconds
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
    today: date = field(default_factory=local_today)

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
    state = Fact.state
    overdue = sa.and_(state != ProgramState.COMPLETED, Fact.due_on < today)
    return [
        sa.func.count().label("total"),
        sa.func.sum(sa.case((state == ProgramState.COMPLETED, 1), else_=0)).label("completed"),
        sa.func.sum(sa.case((state == ProgramState.IN_PROGRESS, 1), else_=0)).label("in_progress"),
        sa.func.sum(sa.case((state == ProgramState.NOT_STARTED, 1), else_=0)).label("not_started"),
        sa.func.sum(sa.case((overdue, 1), else_=0)).label("overdue"),
    ]


COUNT_NAMES = ("total", "completed", "in_progress", "not_started", "overdue")


def _title_held_on(today: date):
    return sa.and_(Fact.title_from <= today, sa.or_(Fact.title_to.is_(None), Fact.title_to >= today))


def _status_condition(status: str, today: date):
    if status == "overdue":
        return sa.and_(Fact.state != ProgramState.COMPLETED, Fact.due_on < today)
    if status in ("completed", "in_progress", "not_started"):
        return Fact.state == ProgramState(status)
    return None


def _where(select: sa.Select, f: Filters, *, status: str = "all", by_title: bool = False,
           index_friendly_order: bool = False) -> sa.Select:
    """Apply every filter to a select over the facts.

    Each status counts once (its rank-1 row) unless titles are involved: then its row for that title.
    """
    if f.title_id is not None:
        select = select.where(Fact.title_id == f.title_id, _title_held_on(f.today))
    elif by_title:
        select = select.where(Fact.title_id.is_not(None), _title_held_on(f.today))
    else:
        select = select.where(Fact.title_rank == 1)
    if f.direct and f.unit is not None:
        select = select.where(Fact.unit_id == f.unit.id)
    else:
        # The drill node is inside the scope (services.read_filters); the scope bounds it all the same.
        in_subtree = sa.select(Unit.id).where(Unit.path.startswith(f.unit_path, autoescape=True),
                                              Unit.path.startswith(f.scope_path, autoescape=True))
        # With a place chosen, let the planner start from the province or commune index: `unit_id + 0`
        # keeps SQLite from driving the scan by the subtree's unit list instead.
        # The same when a list walks the per-trainee index in order.
        # A breakdown whose grouping leads an index (program, start date, completion date) passes
        # index_friendly_order for the same reason, so SQLite streams the groups in index order, no sort.
        unit_key = Fact.unit_id + 0 if (f.province_id or f.commune_id or index_friendly_order) else Fact.unit_id
        select = select.where(unit_key.in_(in_subtree))
    if f.commune_id is not None:
        select = select.where(Fact.locality_id == f.commune_id)
    elif f.province_id is not None:
        select = select.where(Fact.province_id == f.province_id)
    if f.program_id is not None:
        select = select.where(Fact.program_id == f.program_id)
    if f.year is not None:
        select = select.where(Fact.started_on >= date(f.year, 1, 1), Fact.started_on < date(f.year + 1, 1, 1))
    condition = _status_condition(status, f.today)
    if condition is not None:
        select = select.where(condition)
    return select


def _facts(*columns) -> sa.Select:
    return sa.select(*columns).select_from(Fact)


def totals(f: Filters) -> sa.Select:
    """One row: total, completed, in_progress, not_started, overdue over the filtered facts."""
    return _where(_facts(*_counts(f.today)), f)


def by_unit(f: Filters) -> sa.Select:
    """Rows (id, name, direct, counts...) for each child of the drill node, plus one row for people
    directly in the node itself (direct=True); a child covers its whole subtree."""
    node_path = f.unit_path
    # A CTE: both branches below read it, and it is computed (materialised) once.
    per_unit = _where(_facts(Fact.unit_id, *_counts(f.today)), f).group_by(Fact.unit_id).cte("per_unit")
    sums = [sa.func.sum(per_unit.c[name]).label(name) for name in COUNT_NAMES]
    node = sa.select(Unit.id).where(Unit.path == node_path).scalar_subquery()
    child = aliased(Unit, name="child")
    member = aliased(Unit, name="member")
    children = (
        sa.select(child.id, child.name, sa.literal(False).label("direct"), *sums)
        .select_from(per_unit)
        .join(member, member.id == per_unit.c.unit_id)
        .join(child, sa.and_(child.parent_id == node, member.path.like(child.path + "%")))
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
    """Rows (id, name, parent_id, counts...) per province, or per commune when a province is chosen.

    People whose unit sits at the province level itself form the province's own row in the commune view.
    """
    key = Fact.province_id if f.province_id is None else Fact.locality_id
    grouped = _where(_facts(key.label("locality_id"), *_counts(f.today)), f).group_by(key).subquery("grouped")
    return (
        sa.select(Locality.id, Locality.name, Locality.parent_id, *[grouped.c[n] for n in COUNT_NAMES])
        .join(grouped, grouped.c.locality_id == Locality.id)
        .order_by(Locality.parent_id.is_not(None), Locality.name)
    )


def by_title(f: Filters) -> sa.Select:
    """Rows (id, name, counts...) per title currently held; a person holding two titles counts in both."""
    grouped = (_where(_facts(Fact.title_id, *_counts(f.today)), f, by_title=True)
               .group_by(Fact.title_id).subquery("grouped"))
    return (sa.select(Title.id, Title.name, *[grouped.c[n] for n in COUNT_NAMES])
            .join(grouped, grouped.c.title_id == Title.id).order_by(Title.name))


def _wide(f: Filters) -> bool:
    """Whether the filters span a whole tree (national or its root): a scan in grouping order then beats
    seeking the subtree's units one by one and sorting."""
    return f.unit_path.count("/") <= 2 and not f.direct


def by_program(f: Filters) -> sa.Select:
    grouped = (_where(_facts(Fact.program_id, *_counts(f.today)), f, index_friendly_order=_wide(f))
               .group_by(Fact.program_id).subquery("grouped"))
    return (sa.select(Program.id, Program.name, *[grouped.c[n] for n in COUNT_NAMES])
            .join(grouped, grouped.c.program_id == Program.id).order_by(Program.name))


def by_year(f: Filters) -> sa.Select:
    """Rows (year, counts...) by the year each trainee's program cycle started."""
    # Group by start date first (in the order of an index: no sort), then the thousand-odd days by year.
    per_day = (_where(_facts(Fact.started_on, *_counts(f.today)), f, index_friendly_order=_wide(f))
               .group_by(Fact.started_on).subquery("per_day"))
    year = sa.extract("year", per_day.c.started_on)
    return (sa.select(year.label("id"), *[sa.func.sum(per_day.c[n]).label(n) for n in COUNT_NAMES])
            .group_by(year).order_by(year))


BREAKDOWNS = {"unit": by_unit, "locality": by_locality, "title": by_title, "program": by_program,
              "year": by_year}


def monthly_completions(f: Filters, months: int = 12) -> sa.Select:
    """Rows (year, month, completed) for completions in the last `months` months, over the filters."""
    # Completions are stored in UTC and counted in the month of Vietnam's calendar (23:30 UTC on 31 March is
    # 1 April); the range still reads the stored column, so its index serves.
    offset = utc_offset_seconds()
    first = datetime.combine(_month_start(f.today, months - 1), datetime.min.time()) - timedelta(seconds=offset)
    local = shifted(Fact.completed_at, sa.literal(offset, sa.Integer))
    year = sa.extract("year", local)
    month = sa.extract("month", local)
    select = _facts(year.label("year"), month.label("month"), sa.func.count().label("completed"))
    select = select.where(Fact.completed_at >= first)
    return (_where(select, f, status="completed", index_friendly_order=_wide(f))
            .group_by(year, month).order_by(year, month))


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


def held_titles(user_id, today: date):
    """The names of the titles a user holds on the day, as one string ("A, B"): a correlated subquery."""
    from lms.accounts.models import AssignmentKind, TitleAssignment

    return (sa.select(sa.func.aggregate_strings(Title.name, ", "))
            .select_from(TitleAssignment).join(Title, Title.id == TitleAssignment.title_id)
            .where(TitleAssignment.user_id == user_id, TitleAssignment.kind == AssignmentKind.HELD,
                   TitleAssignment.start_date <= today,
                   sa.or_(TitleAssignment.end_date.is_(None), TitleAssignment.end_date >= today))
            .scalar_subquery())


def _people_columns(today: date) -> tuple:
    """What every people list shows (and exports) for one trainee's program status."""
    return (User.id.label("user_id"), User.full_name, User.username, held_titles(User.id, today).label("titles"),
            Unit.name.label("unit_name"),
            Program.name.label("program_name"), ProgramStatus.state, ProgramStatus.required_done,
            ProgramStatus.required_total, ProgramStatus.started_on, ProgramStatus.due_on, ProgramStatus.completed_at)


def people(f: Filters, status: str = "all", *, limit: int | None = None, offset: int = 0) -> sa.Select:
    """The people behind a figure: one row per (trainee, program) status.

    Ordered by trainee id: a page first picks its 50 facts by walking the (covering) per-trainee index in
    order, then joins only those to names, units and programs.
    """
    picked = _where(_facts(Fact.status_id, Fact.user_id, Fact.unit_id, Fact.program_id), f, status=status,
                    index_friendly_order=True).order_by(Fact.user_id, Fact.status_id)
    if limit is not None:
        picked = picked.limit(limit).offset(offset)
    picked = picked.subquery("picked")
    return (
        sa.select(*_people_columns(f.today))
        .select_from(picked)
        .join(ProgramStatus, ProgramStatus.id == picked.c.status_id)
        .join(User, User.id == picked.c.user_id)
        .outerjoin(Unit, Unit.id == picked.c.unit_id)
        .join(Program, Program.id == picked.c.program_id)
        .order_by(picked.c.user_id, picked.c.status_id)
    )


def people_count(f: Filters, status: str = "all") -> sa.Select:
    return _where(_facts(sa.func.count()), f, status=status)


# --- a lecturer's own classes ---------------------------------------------------------------------------


def _class_facts(today: date, lecturer_id: int):
    """Facts of the trainees enrolled in (or who completed) the program classes this lecturer teaches, on that
    program: a nominee not yet approved and admitted is not one of the class's learners."""
    from lms.delivery.models import Nomination, NominationState, TrainingClass, class_lecturers

    learners = (NominationState.ENROLLED, NominationState.COMPLETED)
    return (
        sa.select(TrainingClass.id.label("class_id"))
        .select_from(TrainingClass)
        .join(class_lecturers, sa.and_(class_lecturers.c.class_id == TrainingClass.id,
                                       class_lecturers.c.user_id == lecturer_id))
        .join(Nomination, sa.and_(Nomination.class_id == TrainingClass.id, Nomination.state.in_(learners)))
        .join(Fact, sa.and_(Fact.user_id == Nomination.trainee_id, Fact.program_id == TrainingClass.program_id,
                            Fact.title_rank == 1))
    )


def class_figures(lecturer_id: int, today: date) -> sa.Select:
    """Rows (id, name, counts...) for each program class the lecturer teaches."""
    from lms.delivery.models import TrainingClass

    grouped = (_class_facts(today, lecturer_id).add_columns(*_counts(today))
               .group_by(TrainingClass.id).subquery("grouped"))
    return (sa.select(TrainingClass.id, TrainingClass.name, TrainingClass.starts_on,
                      *[grouped.c[n] for n in COUNT_NAMES])
            .join(grouped, grouped.c.class_id == TrainingClass.id)
            .order_by(TrainingClass.starts_on.desc(), TrainingClass.name))


def class_people(lecturer_id: int, class_id: int, status: str, today: date) -> sa.Select:
    """The people of one of the lecturer's classes behind a figure, ordered by name."""
    from lms.delivery.models import TrainingClass

    picked = _class_facts(today, lecturer_id).add_columns(Fact.status_id).where(TrainingClass.id == class_id)
    condition = _status_condition(status, today)
    if condition is not None:
        picked = picked.where(condition)
    picked = picked.subquery("picked")
    return (
        sa.select(*_people_columns(today))
        .select_from(picked)
        .join(ProgramStatus, ProgramStatus.id == picked.c.status_id)
        .join(User, User.id == ProgramStatus.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .join(Program, Program.id == ProgramStatus.program_id)
        .order_by(User.full_name, User.id)
    )


def trip_grades(trip_id: int) -> sa.Select:
    """A field trip's submitted reports for its grade sheet: name, username, status, score (0-100), passed."""
    from lms.delivery.models import Submission, SubmissionStatus

    return (sa.select(User.full_name, User.username, Submission.status, Submission.score, Submission.passed)
            .join(User, User.id == Submission.trainee_id)
            .where(Submission.trip_id == trip_id, Submission.status != SubmissionStatus.DRAFT)
            .order_by(User.sort_key, User.id))


def class_quiz_results(class_id: int, module_ids: list[int]) -> sa.Select:
    """Per participant of a class and module quiz: submitted attempts, best score (0-100), ever passed."""
    from lms.curriculum.models import Module
    from lms.delivery.models import Nomination, NominationState
    from lms.learning.models import Quiz, QuizAttempt

    taking = (NominationState.APPROVED, NominationState.ENROLLED, NominationState.COMPLETED)
    return (sa.select(User.full_name, User.username, Module.code, sa.func.count(QuizAttempt.id),
                      sa.func.max(QuizAttempt.score_percent),
                      sa.func.max(sa.case((QuizAttempt.passed.is_(True), 1), else_=0)))
            .select_from(Nomination)
            .join(User, User.id == Nomination.trainee_id)
            .join(QuizAttempt, QuizAttempt.user_id == User.id)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .join(Module, Module.id == Quiz.module_id)
            .where(Nomination.class_id == class_id, Nomination.state.in_(taking), Quiz.module_id.in_(module_ids),
                   QuizAttempt.submitted_at.is_not(None))
            .group_by(User.id, User.full_name, User.username, User.sort_key, Module.code)
            .order_by(User.sort_key, User.id, Module.code))
