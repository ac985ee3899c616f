"""Dashboard rules: who sees what (an admin's unit subtree), reading filters, and shaping the figures."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.dashboards import queries
from lms.dashboards.queries import Filters
from lms.errors import NotAllowed
from lms.extensions import db
from lms.formats import local_today
from lms.inputs import YEAR_MAX, YEAR_MIN, int_or_none
from lms.organisation.models import Locality, Unit


def _int(args: Mapping, name: str) -> int | None:
    return int_or_none(args.get(name))


def read_filters(actor: User, args: Mapping, today: date | None = None) -> Filters:
    """The filters in a query string, checked against the actor's scope (NotAllowed outside it).

    Unknown or malformed values are ignored rather than refused: a shared link must still open.
    """
    scope = accounts.ensure_read_scope(actor)
    unit = None
    unit_id = _int(args, "unit")
    if unit_id is not None and unit_id != scope.id:
        unit = db.session.get(Unit, unit_id)
        if unit is None or not scope.contains(unit):
            raise NotAllowed(_("Đơn vị này nằm ngoài phạm vi quản lý của bạn."))
    elif unit_id == scope.id:
        unit = scope
    year = _int(args, "year")
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        year = None
    return Filters(
        scope_path=scope.path,
        unit=unit,
        direct=bool(_int(args, "direct")) and unit is not None,
        province_id=_int(args, "province"),
        commune_id=_int(args, "commune"),
        title_id=_int(args, "title"),
        program_id=_int(args, "program"),
        year=year,
        today=today or local_today(),
    )


def read_dimension(args: Mapping) -> str:
    by = args.get("by", "unit")
    return by if by in queries.DIMENSIONS else "unit"


def read_status(args: Mapping) -> str:
    status = args.get("status", "all")
    return status if status in queries.STATUSES else "all"


@dataclass
class Figure:
    """One row of a breakdown: its label, counts and the filters that select the people behind it."""

    label: str
    total: int
    completed: int
    in_progress: int
    not_started: int
    overdue: int
    narrow: dict  # query-string changes selecting this row's people
    drill: dict | None = None  # query-string changes for the next level down, when there is one

    @property
    def rate(self) -> float:
        return round(100.0 * self.completed / self.total, 1) if self.total else 0.0


def _figure(row, label: str, narrow: dict, drill: dict | None = None) -> Figure:
    return Figure(label=label, total=int(row.total or 0), completed=int(row.completed or 0),
                  in_progress=int(row.in_progress or 0), not_started=int(row.not_started or 0),
                  overdue=int(row.overdue or 0), narrow=narrow, drill=drill)


def breakdown(f: Filters, by: str) -> list[Figure]:
    """The figures of one dimension under the filters, one SQL statement."""
    rows = db.session.execute(queries.BREAKDOWNS[by](f)).all()
    figures = []
    for row in rows:
        if by == "unit":
            if row.direct:
                label = _("%(name)s (trực tiếp)", name=row.name)
                figures.append(_figure(row, label, {"unit": row.id, "direct": 1}))
            else:
                narrow = {"unit": row.id, "direct": None}
                figures.append(_figure(row, row.name, narrow, drill=narrow))
        elif by == "locality":
            if f.province_id is None:
                narrow = {"province": row.id, "commune": None}
                figures.append(_figure(row, row.name, narrow, drill=narrow))
            elif row.parent_id is None:
                label = _("%(name)s (cấp tỉnh)", name=row.name)
                figures.append(_figure(row, label, {"commune": row.id}))
            else:
                figures.append(_figure(row, row.name, {"commune": row.id}))
        elif by == "year":
            year = int(row.id)
            figures.append(_figure(row, str(year), {"year": year}))
        else:
            figures.append(_figure(row, row.name, {by: row.id}))
    return figures


# Breakdowns in which every status falls in exactly one row: their sum is the total, no second scan needed.
PARTITIONING = ("unit", "program", "year")


def overall(f: Filters, by: str | None = None, figures: list[Figure] | None = None) -> Figure:
    """The totals under the filters: summed from a partitioning breakdown, else one more statement."""
    if by in PARTITIONING and figures is not None:
        total = Figure(_("Tổng cộng"), 0, 0, 0, 0, 0, {})
        for figure in figures:
            for name in ("total", "completed", "in_progress", "not_started", "overdue"):
                setattr(total, name, getattr(total, name) + getattr(figure, name))
        return total
    row = db.session.execute(queries.totals(f)).one()
    return _figure(row, _("Tổng cộng"), {})


def trend(f: Filters, months: int = 12) -> list[tuple[int, int, int]]:
    """(year, month, completions) for each of the last `months` months, zero-filled, oldest first."""
    found = {(int(r.year), int(r.month)): int(r.completed)
             for r in db.session.execute(queries.monthly_completions(f, months))}
    return [(y, m, found.get((y, m), 0)) for y, m in queries.month_keys(f.today, months)]


def breadcrumbs(actor: User, f: Filters) -> list[Unit]:
    """The units from the actor's scope down to the drill node, in one statement."""
    scope = accounts.ensure_read_scope(actor)
    if f.unit is None or f.unit.id == scope.id:
        return [scope]
    ids = [int(part) for part in f.unit.path.strip("/").split("/")]
    units = db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids), Unit.path.startswith(scope.path))).all()
    return sorted(units, key=lambda u: u.depth)


def place_names(f: Filters) -> dict[int, Locality]:
    """The chosen province and commune (for the filter summary), one statement at most."""
    ids = [i for i in (f.province_id, f.commune_id) if i is not None]
    if not ids:
        return {}
    return {loc.id: loc for loc in db.session.scalars(sa.select(Locality).where(Locality.id.in_(ids)))}


def export_heading(actor: User, f: Filters, title: str, status_label: str | None = None):
    """The block above an exported table: scope, the filters in words and when it was exported."""
    from lms.curriculum.models import Program
    from lms.dashboards.exports import Heading
    from lms.db import utcnow
    from lms.formats import local_datetime
    from lms.organisation.models import Title

    scope = " › ".join(unit.name for unit in breadcrumbs(actor, f))
    if f.direct:
        scope += " › " + _("Trực tiếp")
    places = place_names(f)
    chosen = []
    if f.province_id in places:
        chosen.append((_("Tỉnh, thành phố"), places[f.province_id].name))
    if f.commune_id in places:
        chosen.append((_("Xã, phường"), places[f.commune_id].name))
    if f.title_id is not None:
        chosen.append((_("Chức danh"), db.session.scalar(sa.select(Title.name).where(Title.id == f.title_id)) or ""))
    if f.program_id is not None:
        chosen.append((_("Chương trình"),
                       db.session.scalar(sa.select(Program.name).where(Program.id == f.program_id)) or ""))
    if f.year is not None:
        chosen.append((_("Năm"), str(f.year)))
    if status_label is not None:
        chosen.append((_("Trạng thái"), status_label))
    filters = "; ".join(f"{label}: {value}" for label, value in chosen) or _("Không lọc")
    return Heading(title, ((_("Phạm vi"), scope), (_("Bộ lọc"), filters),
                           (_("Ngày xuất"), local_datetime(utcnow()))))


def provinces_in_scope(actor: User) -> sa.Select:
    """(id, name) of the provinces where the actor's units are: the dashboard's province filter."""
    scope = accounts.ensure_read_scope(actor)
    place = sa.select(sa.func.coalesce(Locality.parent_id, Locality.id)).join(Unit, Unit.locality_id == Locality.id)\
        .where(Unit.path.startswith(scope.path, autoescape=True))
    return (sa.select(Locality.id, Locality.name)
            .where(Locality.parent_id.is_(None), Locality.valid_to.is_(None), Locality.id.in_(place))
            .order_by(Locality.name))
