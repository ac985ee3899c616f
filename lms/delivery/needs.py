"""Training needs of a unit subtree for a year, and the plan they propose.

A person needs a program when, on the year's first day or today (whichever is later), they hold or are planned
for a title the program targets, and they have no completion of it valid through the year (never completed,
or a refresher due before the year ends). Those planned for a key title must attend a concentrated class:
they are counted apart. One grouped statement counts them per (unit, program); the rows of the plan grid
(the chosen unit and the units right below it) sum the units of their subtrees.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from lms.accounts.models import AssignmentKind, Role, RoleGrant, TitleAssignment, User
from lms.curriculum.models import program_titles
from lms.delivery.plan_grid import Grid
from lms.extensions import db
from lms.formats import local_today
from lms.learning.models import ProgramState, ProgramStatus
from lms.organisation.models import Title, Unit


def _day(year: int) -> date:
    return max(date(year, 1, 1), min(local_today(), date(year, 12, 31)))


def needing(root: Unit, year: int) -> sa.Select:
    """(user_id, program_id, key) of every need in the subtree: key 1 for someone planned for a key title."""
    day, year_end = _day(year), date(year, 12, 31)
    key = sa.and_(TitleAssignment.kind == AssignmentKind.PLANNED, Title.is_key)
    completed = sa.exists().where(
        ProgramStatus.user_id == TitleAssignment.user_id, ProgramStatus.program_id == program_titles.c.program_id,
        ProgramStatus.state == ProgramState.COMPLETED,
        sa.or_(ProgramStatus.valid_until.is_(None), ProgramStatus.valid_until > year_end))
    return (sa.select(TitleAssignment.user_id, program_titles.c.program_id,
                      sa.func.max(sa.case((key, 1), else_=0)).label("key"))
            .join(program_titles, program_titles.c.title_id == TitleAssignment.title_id)
            .join(Title, Title.id == TitleAssignment.title_id)
            # The subtree's trainees first (units by path, their people by unit), then their titles by person.
            .where(TitleAssignment.user_id.in_(
                       sa.select(User.id).join(Unit, Unit.id == User.unit_id)
                       .where(Unit.path.startswith(root.path, autoescape=True), User.active,
                              sa.exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role.TRAINEE))),
                   TitleAssignment.start_date <= day,
                   sa.or_(TitleAssignment.end_date.is_(None), TitleAssignment.end_date >= day), ~completed)
            .group_by(TitleAssignment.user_id, program_titles.c.program_id))


def counts_by_unit(root: Unit, year: int) -> sa.Select:
    """(unit_id, program_id, people, key_people): the needs grouped in SQL by the person's own unit."""
    need = needing(root, year).subquery("need")
    return (sa.select(User.unit_id, need.c.program_id, sa.func.count().label("people"),
                      sa.func.sum(need.c.key).label("key_people"))
            .join(User, User.id == need.c.user_id).group_by(User.unit_id, need.c.program_id))


def people(root: Unit, year: int, program_id: int, *, limit: int = 200, offset: int = 0) -> sa.Select:
    """The people behind one program's need, key first, then by name: id, full name, username, unit, key."""
    need = needing(root, year).where(program_titles.c.program_id == program_id).subquery("need")
    return (sa.select(User.id, User.full_name, User.username, Unit.name.label("unit_name"), need.c.key)
            .join(User, User.id == need.c.user_id).join(Unit, Unit.id == User.unit_id)
            .order_by(need.c.key.desc(), User.sort_key, User.id).limit(limit).offset(offset))


@dataclass
class Needs:
    grid: Grid  # rows and columns, with the saved quotas
    people: dict[tuple[int, int], int] = field(default_factory=dict)  # (row unit, program) -> people in need
    key_people: dict[tuple[int, int], int] = field(default_factory=dict)

    def row_total(self, unit_id: int) -> int:
        return sum(v for (u, _p), v in self.people.items() if u == unit_id)

    def key_total(self, unit_id: int) -> int:
        return sum(v for (u, _p), v in self.key_people.items() if u == unit_id)

    def column_total(self, program_id: int) -> int:
        return sum(v for (_u, p), v in self.people.items() if p == program_id)

    @property
    def total(self) -> int:
        return sum(self.people.values())

    def draft(self) -> dict[str, str]:
        """The plan grid's form values proposed by the needs (quota = people in need)."""
        return {f"q-{u}-{p}": str(n) for (u, p), n in self.people.items() if n}


def needs_for(grid: Grid) -> Needs:
    """The needs of the grid's subtree, summed into its rows (the root's own people stay in its row)."""
    units = {u.id: u for u in grid.units}
    paths = db.session.execute(sa.select(Unit.id, Unit.path).where(
        Unit.path.startswith(grid.root.path, autoescape=True))).all()
    row_of = {}
    children = [u for u in grid.units if u.id != grid.root.id]
    for unit_id, path in paths:
        row_of[unit_id] = next((c.id for c in children if path.startswith(c.path)), grid.root.id)
    needs = Needs(grid)
    programs = {p.id for p in grid.programs}
    for unit_id, program_id, count, key_count in db.session.execute(counts_by_unit(grid.root, grid.year)):
        if program_id not in programs or unit_id not in row_of or row_of[unit_id] not in units:
            continue
        cell = (row_of[unit_id], program_id)
        needs.people[cell] = needs.people.get(cell, 0) + int(count)
        needs.key_people[cell] = needs.key_people.get(cell, 0) + int(key_count or 0)
    return needs
