"""Training needs of a unit subtree for a year, and the plan they propose.

A person needs a program when, on the year's first day or today (whichever is later), they hold or are planned
for a title the program targets, and they have no completion of it valid through the year (never completed,
the certificate of the completion revoked, or a refresher due before the year ends). Those planned for a key
title must attend a concentrated class: they are counted apart.

The candidates are kept, one row per title assignment and targeting program, in `training_needs` (database
triggers keep it current: lms.delivery.need_triggers); a report picks the rows current on its day and not
covered through its year, in one statement grouped by (unit, program) in index order that reads index entries
only. The rows of the plan grid (the chosen unit and the units right below it) sum the units of their subtrees.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from lms.accounts.models import User
from lms.delivery.models import NeedCount, TrainingNeed
from lms.delivery.plan_grid import Grid
from lms.extensions import db
from lms.formats import local_today
from lms.organisation.models import Unit


def _day(year: int) -> date:
    return max(date(year, 1, 1), min(local_today(), date(year, 12, 31)))


def _current(year: int) -> list:
    """The conditions on `training_needs` of a need in the year."""
    day, year_end = _day(year), date(year, 12, 31)
    return [TrainingNeed.starts_on <= day, sa.or_(TrainingNeed.ends_on.is_(None), TrainingNeed.ends_on >= day),
            sa.or_(TrainingNeed.valid_until.is_(None), TrainingNeed.valid_until <= year_end)]


def _subtree(root: Unit) -> sa.Select:
    return sa.select(Unit.id).where(Unit.path.startswith(root.path, autoescape=True))


def counts_by_unit(root: Unit, year: int) -> sa.Select:
    """(unit_id, program_id, people, key_people): the needs grouped in SQL by the person's own unit or, under a
    tree's root, by the unit right below the root their unit is in (the grid's rows). A unit and program may come
    more than once: the parts add up. The people with one row for the program are counted plainly, those with two
    or more (two targeted titles) once each. Under a root, those in need for good over a range of years come from
    `need_counts` (a few thousand rows where the needs are hundreds of thousands), the rest from their rows."""
    key_person = sa.func.sum(sa.case((TrainingNeed.key_title, 1), else_=0))
    if root.depth == 0:
        by = TrainingNeed.branch_id
        counted = (sa.select(NeedCount.branch_id, NeedCount.program_id, sa.func.sum(NeedCount.people),
                             sa.func.sum(sa.case((NeedCount.key_title, NeedCount.people), else_=0)))
                   .where(NeedCount.branch_id.in_(_subtree(root)), NeedCount.from_year <= year,
                          NeedCount.to_year >= year)
                   .group_by(NeedCount.branch_id, NeedCount.program_id))
        # The rows whose title starts or ends within the year, by the index of each edge (`by + 0`: not by the
        # branch's index, which would read every row of the tree).
        in_tree = (by + 0).in_(_subtree(root))
        edges = [sa.select(by, TrainingNeed.program_id, sa.func.count(), key_person)
                 .where(edge, ~TrainingNeed.shared, in_tree, *_current(year)).group_by(by, TrainingNeed.program_id)
                 for edge in (TrainingNeed.start_edge == year,
                              sa.and_(TrainingNeed.end_edge == year, sa.or_(TrainingNeed.start_edge.is_(None),
                                                                            TrainingNeed.start_edge != year)))]
        parts = [counted, *edges]
    else:
        by = TrainingNeed.unit_id
        parts = [sa.select(by, TrainingNeed.program_id, sa.func.count(), key_person)
                 .where(~TrainingNeed.shared, by.in_(_subtree(root)), *_current(year))
                 .group_by(by, TrainingNeed.program_id)]
    shared = (sa.select(by, TrainingNeed.program_id, sa.func.count(TrainingNeed.user_id.distinct()),
                        sa.func.count(sa.case((TrainingNeed.key_title, TrainingNeed.user_id)).distinct()))
              .where(TrainingNeed.shared, by.in_(_subtree(root)), *_current(year))
              .group_by(by, TrainingNeed.program_id))
    return sa.union_all(*parts, shared)


def people(root: Unit, year: int, program_id: int, *, limit: int = 200, offset: int = 0) -> sa.Select:
    """The people behind one program's need, key first, then by name: id, full name, username, unit, key."""
    need = (sa.select(TrainingNeed.user_id,
                      sa.func.max(sa.case((TrainingNeed.key_title, 1), else_=0)).label("key"))
            .where(TrainingNeed.program_id == program_id, TrainingNeed.unit_id.in_(_subtree(root)),
                   *_current(year))
            .group_by(TrainingNeed.user_id).subquery("need"))
    return (sa.select(User.id, User.full_name, User.username, Unit.name.label("unit_name"), need.c.key)
            .join(User, User.id == need.c.user_id).join(Unit, Unit.id == User.unit_id)
            .order_by(need.c.key.desc(), User.sort_key, User.id).limit(limit).offset(offset))


@dataclass
class Row:
    unit: Unit
    cells: list[tuple[int, int, int]]  # per program of the grid: people in need, of whom key, quota
    people: int
    key_people: int
    quota: int


@dataclass
class Needs:
    grid: Grid  # rows and columns, with the saved quotas
    people: dict[tuple[int, int], int] = field(default_factory=dict)  # (row unit, program) -> people in need
    key_people: dict[tuple[int, int], int] = field(default_factory=dict)

    def _sums(self, values: dict, index: int) -> dict[int, int]:
        sums: dict[int, int] = {}
        for cell, n in values.items():
            sums[cell[index]] = sums.get(cell[index], 0) + n
        return sums

    def row_total(self, unit_id: int) -> int:
        return self._sums(self.people, 0).get(unit_id, 0)

    def key_total(self, unit_id: int) -> int:
        return self._sums(self.key_people, 0).get(unit_id, 0)

    def column_total(self, program_id: int) -> int:
        return self._sums(self.people, 1).get(program_id, 0)

    @property
    def total(self) -> int:
        return sum(self.people.values())

    def rows(self) -> list[Row]:
        """The report's table, row by row, with its totals (each sum made once: a province has a hundred rows
        by fifty programs)."""
        people, key_people, quotas = self._sums(self.people, 0), self._sums(self.key_people, 0), \
            self._sums(self.grid.cells, 0)
        programs = [p.id for p in self.grid.programs]
        return [Row(u, [(self.people.get((u.id, p), 0), self.key_people.get((u.id, p), 0),
                         self.grid.cells.get((u.id, p), 0)) for p in programs],
                    people.get(u.id, 0), key_people.get(u.id, 0), quotas.get(u.id, 0)) for u in self.grid.units]

    def columns(self) -> list[tuple[int, int]]:
        """(people in need, quota) per program of the grid."""
        people, quotas = self._sums(self.people, 1), self._sums(self.grid.cells, 1)
        return [(people.get(p.id, 0), quotas.get(p.id, 0)) for p in self.grid.programs]

    def draft(self) -> dict[str, str]:
        """The plan grid's form values proposed by the needs (quota = people in need)."""
        return {f"q-{u}-{p}": str(n) for (u, p), n in self.people.items() if n}


def needs_for(grid: Grid) -> Needs:
    """The needs of the grid's subtree, summed into its rows (the root's own people stay in its row)."""
    units = {u.id: u for u in grid.units}
    paths = db.session.execute(sa.select(Unit.id, Unit.path).where(
        Unit.path.startswith(grid.root.path, autoescape=True))).all()
    row_of = {}
    children = {str(u.id): u.id for u in grid.units if u.id != grid.root.id}
    start = len(grid.root.path)
    for unit_id, path in paths:  # '/root/child/.../' -> the child's row, else the root's
        row_of[unit_id] = children.get(path[start:].split("/", 1)[0], grid.root.id)
    needs = Needs(grid)
    programs = {p.id for p in grid.programs}
    for unit_id, program_id, count, key_count in db.session.execute(counts_by_unit(grid.root, grid.year)):
        if program_id not in programs or unit_id not in row_of or row_of[unit_id] not in units:
            continue
        cell = (row_of[unit_id], program_id)
        needs.people[cell] = needs.people.get(cell, 0) + int(count)
        needs.key_people[cell] = needs.key_people.get(cell, 0) + int(key_count or 0)
    return needs
