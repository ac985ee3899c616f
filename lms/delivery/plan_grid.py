"""A year's plan as a grid: units of a subtree (rows) by programs (columns), edited in one form and exchanged
as CSV or XLSX in the same shape. A save or an import is all-or-nothing: every bad cell is reported with its
place (row and program, or file line), and nothing is written unless every cell is good.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lms import audit
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.curriculum.models import Program
from lms.delivery.models import PlanQuota, TrainingPlan
from lms.delivery.services import PLAN_YEARS
from lms.errors import InvalidInput
from lms.extensions import db
from lms.organisation.models import Unit
from lms.text import decode_utf8

UNIT_ID, UNIT_NAME = "ID đơn vị", "Đơn vị"
MAX_VALUE = 1_000_000
# The words most program names open with, which tell the columns of a grid apart by nothing (longest first).
LEAD_INS = ("bồi dưỡng cập nhật kiến thức, kỹ năng cho", "bồi dưỡng cập nhật kiến thức, kỹ năng",
            "bồi dưỡng cập nhật kiến thức cho", "chương trình bồi dưỡng", "bồi dưỡng", "chương trình")
SHORT_NAME = 40


def short_name(name: str, limit: int = SHORT_NAME) -> str:
    """A program's name as a column head: without its common lead-in ("Bồi dưỡng ... cho"), at most `limit`
    characters, cut at a word with "…" (the full name goes in the head's title)."""
    text = " ".join(name.split())
    lowered = text.lower()
    for lead in LEAD_INS:
        if lowered.startswith(lead + " "):
            rest = text[len(lead):].strip(" ,:;-–")
            if rest:
                text = rest[0].upper() + rest[1:]
            break
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(" ,:;-–(") + "…"
    return text


@dataclass
class Grid:
    year: int
    root: Unit
    units: list[Unit]
    programs: list[Program]
    cells: dict[tuple[int, int], int] = field(default_factory=dict)  # (unit id, program id) -> quota

    def __post_init__(self) -> None:
        # Each total summed once for the page, not once per row or column over every cell (a province's
        # hundred rows by fifty programs): the cells are not changed once the grid is loaded.
        self._rows: dict[int, int] = {}
        self._columns: dict[int, int] = {}
        for (unit_id, program_id), quota in self.cells.items():
            self._rows[unit_id] = self._rows.get(unit_id, 0) + quota
            self._columns[program_id] = self._columns.get(program_id, 0) + quota
        self._total = sum(self._rows.values())

    def row_total(self, unit_id: int) -> int:
        return self._rows.get(unit_id, 0)

    def column_total(self, program_id: int) -> int:
        return self._columns.get(program_id, 0)

    @property
    def total(self) -> int:
        return self._total

    def short_name(self, program: Program) -> str:
        return short_name(program.name)


def grid_units(actor: User, root: Unit | None) -> tuple[Unit, list[Unit]]:
    """The grid's rows: the chosen unit (the admin's scope by default) and the units right below it."""
    scope = accounts.admin_scope(actor)
    root = root or scope
    accounts.ensure_unit_in_scope(actor, root)
    children = db.session.scalars(sa.select(Unit).where(Unit.parent_id == root.id)
                                  .options(selectinload(Unit.locality)).order_by(Unit.name)).all()
    return root, [root, *children]


def load_grid(actor: User, root: Unit | None, year: int) -> Grid:
    """The quotas of the rows' plans for the year, in one statement, over the active programs."""
    root, units = grid_units(actor, root)
    programs = db.session.scalars(sa.select(Program).where(Program.active).order_by(Program.code)).all()
    cells = {}
    if year in PLAN_YEARS:
        cells = {(u, p): q for u, p, q in db.session.execute(
            sa.select(TrainingPlan.unit_id, PlanQuota.program_id, PlanQuota.quota).join(PlanQuota)
            .where(TrainingPlan.year == year, TrainingPlan.unit_id.in_([u.id for u in units])))}
    return Grid(year, root, units, programs, cells)


def _quota(raw: str) -> int | None:
    raw = (raw or "").strip()
    if raw == "":
        return None
    if not raw.isdigit() or int(raw) > MAX_VALUE:
        raise ValueError
    return int(raw)


def read_form(grid: Grid, form) -> dict[tuple[int, int], int | None]:
    """The cells posted as q-<unit>-<program>; InvalidInput listing each bad one (nothing is saved)."""
    cells, problems = {}, []
    for unit in grid.units:
        for program in grid.programs:
            try:
                cells[(unit.id, program.id)] = _quota(form.get(f"q-{unit.id}-{program.id}", ""))
            except ValueError:
                problems.append(_("%(unit)s, %(program)s: chỉ tiêu phải là số nguyên không âm.", unit=unit.name,
                                  program=program.code))
    _refuse(problems)
    return cells


def _refuse(problems: list[str]) -> None:
    if problems:
        error = InvalidInput(_("Chưa lưu: %(n)d ô không hợp lệ.", n=len(problems)))
        error.problems = problems
        raise error


def save_grid(actor: User, grid: Grid, cells: dict[tuple[int, int], int | None]) -> int:
    """Write the grid's cells (None: no quota) into each row's plan for the year; the number of changes."""
    if grid.year not in PLAN_YEARS:
        raise InvalidInput(_("Năm kế hoạch không hợp lệ."))
    allowed = {u.id: u for u in grid.units}
    plans = {p.unit_id: p for p in db.session.scalars(
        sa.select(TrainingPlan).where(TrainingPlan.year == grid.year, TrainingPlan.unit_id.in_(list(allowed))))}
    existing = {(p.unit_id, q.program_id): q for p in plans.values() for q in p.quotas}
    changed: dict[int, dict[str, int | None]] = {}
    codes = {p.id: p.code for p in grid.programs}
    for (unit_id, program_id), value in cells.items():
        if unit_id not in allowed or program_id not in codes:
            continue
        row = existing.get((unit_id, program_id))
        if (row.quota if row else None) == value:
            continue
        if value is None:
            db.session.delete(row)
        elif row is not None:
            row.quota = value
        else:
            plan = plans.get(unit_id)
            if plan is None:
                plan = plans[unit_id] = TrainingPlan(unit=allowed[unit_id], year=grid.year)
                db.session.add(plan)
            plan.quotas.append(PlanQuota(program_id=program_id, quota=value))
        changed.setdefault(unit_id, {})[codes[program_id]] = value
    db.session.flush()
    for unit_id, quotas in changed.items():
        audit.record(actor, "plan.save", plans[unit_id], year=grid.year, unit=unit_id, quotas=quotas, grid=True)
    return sum(len(q) for q in changed.values())


# --- the grid as a file ----------------------------------------------------------------------------------


def rows_for_file(grid: Grid) -> tuple[list[str], list[tuple]]:
    """Headers (unit id, unit, then each program's code) and one row per unit."""
    headers = [UNIT_ID, UNIT_NAME, *[p.code for p in grid.programs]]
    rows = [(u.id, u.name, *[grid.cells.get((u.id, p.id)) for p in grid.programs]) for u in grid.units]
    return headers, rows


def read_file(grid: Grid, filename: str, data: bytes) -> dict[tuple[int, int], int | None]:
    """The cells of an uploaded grid (CSV with `,` or `;`, or XLSX), checked line by line, all or nothing."""
    if filename.lower().endswith(".xlsx"):
        lines = _xlsx_lines(data)
    else:
        text = decode_utf8(data)
        dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        lines = [[str(c) if c is not None else "" for c in row]
                 for row in csv.reader(io.StringIO(text, newline=""), delimiter=dialect)]
    header_at = next((i for i, row in enumerate(lines) if row and str(row[0]).strip() == UNIT_ID), None)
    if header_at is None:
        raise InvalidInput(_("Tệp không có dòng tiêu đề bắt đầu bằng \"%(h)s\".", h=UNIT_ID))
    header = [str(c or "").strip() for c in lines[header_at]]
    by_code = {p.code: p for p in grid.programs}
    problems = [_("Dòng %(line)d: không có chương trình mã %(code)s.", line=header_at + 1, code=code)
                for code in header[2:] if code and code not in by_code]
    allowed = {u.id for u in grid.units}
    cells = {}
    for number, row in enumerate(lines[header_at + 1:], start=header_at + 2):
        if not any(str(c or "").strip() for c in row):
            continue
        unit_id = str(row[0] or "").strip().removesuffix(".0")
        if not unit_id.isdigit() or int(unit_id) not in allowed:
            problems.append(_("Dòng %(line)d: đơn vị %(id)s không thuộc bảng này.", line=number, id=unit_id or "—"))
            continue
        for code, raw in zip(header[2:], row[2:], strict=False):
            if code not in by_code:
                continue
            try:
                cells[(int(unit_id), by_code[code].id)] = _quota(str(raw if raw is not None else "").removesuffix(".0"))
            except ValueError:
                problems.append(_("Dòng %(line)d, %(code)s: \"%(value)s\" không phải số nguyên không âm.",
                                  line=number, code=code, value=raw))
    _refuse(problems)
    return cells


def _xlsx_lines(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    except Exception as bad:  # a file that is not a workbook at all
        raise InvalidInput(_("Tệp không phải bảng tính XLSX.")) from bad
    return [list(row) for row in sheet.iter_rows(values_only=True)]
