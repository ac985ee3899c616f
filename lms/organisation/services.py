"""Localities from the `vietnam-provinces` package, the unit tree, and job titles."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import audit
from lms.dates import TITLE_DATES
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db
from lms.organisation.models import TWO_LEVEL_SINCE, Locality, LocalityKind, Title, TitleLevel, Unit
from lms.text import clean_name

_PROVINCE_KINDS = {"tỉnh": LocalityKind.PROVINCE, "thành phố trung ương": LocalityKind.CITY}
_COMMUNE_KINDS = {"xã": LocalityKind.COMMUNE, "phường": LocalityKind.WARD, "đặc khu": LocalityKind.SPECIAL_ZONE}


def load_localities() -> tuple[int, int]:
    """Insert or update the 34 provinces and their communes; returns (added, updated)."""
    from vietnam_provinces import Province, Ward

    existing = {
        loc.code: loc
        for loc in db.session.scalars(sa.select(Locality).where(Locality.valid_from == TWO_LEVEL_SINCE))
    }
    added = updated = 0

    def upsert(code: str, name: str, kind: LocalityKind, parent: Locality | None) -> Locality:
        nonlocal added, updated
        loc = existing.get(code)
        if loc is None:
            loc = Locality(code=code, name=name, kind=kind, parent=parent, valid_from=TWO_LEVEL_SINCE)
            db.session.add(loc)
            existing[code] = loc
            added += 1
        elif (loc.name, loc.kind, loc.parent_id) != (name, kind, parent.id if parent else None):
            loc.name, loc.kind, loc.parent = name, kind, parent
            updated += 1
        return loc

    provinces = {}
    for province in Province.iter_all():
        code = str(province.code.value).zfill(2)
        provinces[province.code] = upsert(code, province.name, _PROVINCE_KINDS[province.division_type.value], None)
    db.session.flush()
    for ward in Ward.iter_all():
        upsert(
            str(ward.code.value).zfill(5),
            ward.name,
            _COMMUNE_KINDS[ward.division_type.value],
            provinces[ward.province_code],
        )
    db.session.flush()
    return added, updated


def _normalise(text: str) -> str:
    return clean_name(text)


def create_unit(
    actor, *, name: str, parent: Unit | None, locality: Locality | None = None, code: str | None = None
) -> Unit:
    """Add a unit under `parent` (None: a root, command line only)."""
    if actor is not None:
        from lms.accounts.services import ensure_unit_in_scope

        ensure_unit_in_scope(actor, parent)
    name = _normalise(name)
    if not name:
        raise InvalidInput(_("Thiếu tên đơn vị."))
    code = _normalise(code) or None
    if code and db.session.scalar(sa.select(Unit.id).where(Unit.code == code)):
        raise Conflict(_("Mã đơn vị %(code)s đã tồn tại.", code=code))
    unit = Unit(name=name, parent=parent, locality=locality, code=code)
    db.session.add(unit)
    db.session.flush()
    unit.depth = 0 if parent is None else parent.depth + 1
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    audit.record(actor, "unit.create", unit, name=name)
    return unit


def update_unit(actor, unit: Unit, *, name: str, locality: Locality | None, code: str | None,
                parent: Unit | None) -> None:
    """Rename a unit or move it (with its subtree) under another parent in the actor's scope."""
    from lms.accounts.services import ensure_unit_in_scope

    ensure_unit_in_scope(actor, unit)
    name = _normalise(name)
    if not name:
        raise InvalidInput(_("Thiếu tên đơn vị."))
    code = _normalise(code) or None
    if code and db.session.scalar(sa.select(Unit.id).where(Unit.code == code, Unit.id != unit.id)):
        raise Conflict(_("Mã đơn vị %(code)s đã tồn tại.", code=code))
    unit.name, unit.locality, unit.code = name, locality, code
    if parent is not None and parent.id != unit.parent_id:
        ensure_unit_in_scope(actor, parent)
        if unit.contains(parent):
            raise InvalidInput(_("Không thể chuyển một đơn vị vào bên trong chính nó."))
        old_path, new_path = unit.path, f"{parent.path}{unit.id}/"
        shift = parent.depth + 1 - unit.depth
        for sub in db.session.scalars(sa.select(Unit).where(Unit.path.startswith(old_path))):
            sub.path = new_path + sub.path[len(old_path):]
            sub.depth += shift
        unit.parent = parent
    db.session.flush()
    audit.record(actor, "unit.update", unit, name=name)


def national_root_id() -> int | None:
    """The national root: the first top-level unit (made from the command line). Another top-level tree
    (a province installed on its own, a test tree) is not national."""
    return db.session.scalar(sa.select(sa.func.min(Unit.id)).where(Unit.parent_id.is_(None)))


def can_edit_titles(actor) -> bool:
    """Titles, and the titles a program targets, are reference data shared by every tree: changing them
    changes who is eligible everywhere, so only an admin whose scope is the national root changes them."""
    scope = actor.admin_scope if actor is not None and actor.has_role("admin") else None
    return scope is not None and scope.parent_id is None and scope.id == national_root_id()


def ensure_can_edit_titles(actor) -> None:
    """NotAllowed unless the actor may change titles (None, the command line, may)."""
    if actor is not None and not can_edit_titles(actor):
        raise NotAllowed(_("Chỉ cán bộ quản lý toàn hệ thống mới được sửa danh mục chức danh."))


def save_title(
    actor,
    title: Title | None,
    *,
    code: str,
    name: str,
    level: TitleLevel,
    group: str | None = None,
    is_key: bool = False,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Title:
    """Create or update a job title (actor None: the command line)."""
    ensure_can_edit_titles(actor)
    code, name = _normalise(code).upper(), _normalise(name)
    if not code or not name:
        raise InvalidInput(_("Chức danh cần có mã và tên."))
    TITLE_DATES.check(valid_from, _("Có hiệu lực từ ngày"))
    TITLE_DATES.check(valid_to, _("Hết hiệu lực từ ngày"))
    if valid_from and valid_to and valid_to < valid_from:
        raise InvalidInput(_("Ngày hết hiệu lực phải sau ngày có hiệu lực."))
    clash = db.session.scalar(sa.select(Title.id).where(Title.code == code))
    if clash and (title is None or clash != title.id):
        raise Conflict(_("Mã chức danh %(code)s đã tồn tại.", code=code))
    if title is None:
        title = Title(code=code)
        db.session.add(title)
    title.code, title.name, title.level, title.group = code, name, TitleLevel(level), _normalise(group) or None
    title.is_key, title.valid_from, title.valid_to = bool(is_key), valid_from, valid_to
    db.session.flush()
    audit.record(actor, "title.save", title, code=code)
    return title
