"""Read-side queries for units and titles."""
from __future__ import annotations

import heapq
import typing
from datetime import date

import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.formats import local_today
from lms.forms import choices
from lms.organisation.models import Locality, Title, Unit
from lms.text import fold_name, fold_words


def titles_in_order() -> sa.Select:
    return sa.select(Title).order_by(Title.level, Title.group, Title.name)


def title_choices(day: date | None = None):
    """Select options of the titles valid on `day` (today), by level and name."""
    day = day or local_today()
    titles = db.session.scalars(
        titles_in_order().where(
            sa.or_(Title.valid_from.is_(None), Title.valid_from <= day),
            sa.or_(Title.valid_to.is_(None), Title.valid_to >= day),
        )
    )
    return choices([(t.id, f"{t.name} ({t.code})") for t in titles])


def user_counts(scope: Unit) -> dict[int, int]:
    """Number of users directly in each unit of the scope's subtree, in one grouped query."""
    rows = db.session.execute(
        sa.select(User.unit_id, sa.func.count())
        .join(Unit, User.unit_id == Unit.id)
        .where(Unit.path.startswith(scope.path))
        .group_by(User.unit_id)
    )
    return dict(rows.all())


def units_matching(scope: Unit, text: str, limit: int = 20) -> list:
    """(id, name, code, path, parent_name, exact) of at most `limit` units of the scope whose name, code or
    parent's name holds every word typed, without diacritics ("ky anh" finds "Đảng ủy xã Kỳ Anh"): a lookup
    for a unit picker, never a full list. A unit whose whole name or code is the text comes first, then the
    names that start with it, each in tree order; no text lists the top of the scope.

    The names are folded here, over the rows of the subtree in one statement: a province holds hundreds of
    units, the whole country 3,458."""
    words = fold_words(text).split()[:5]
    parent = sa.orm.aliased(Unit)
    query = (sa.select(Unit.id, Unit.name, Unit.code, Unit.path, parent.name.label("parent_name"))
             .outerjoin(parent, parent.id == Unit.parent_id)
             .where(Unit.path.startswith(scope.path, autoescape=True)).order_by(Unit.path))
    if not words:
        return [_Found(*row, exact=False) for row in db.session.execute(query.limit(limit))]
    phrase = " ".join(words)
    ranked = []
    for row in db.session.execute(query):
        name, code = fold_name(row.name), fold_name(row.code)
        key = f"{name} {code} {fold_name(row.parent_name)}"
        if all(word in key for word in words):
            exact = phrase in (name, code, f"{name} ({code})")
            rank = 0 if exact else 1 if name.startswith(phrase) or code.startswith(phrase) else 2
            ranked.append((rank, len(ranked), _Found(*row, exact=exact)))
    return [found for *_, found in heapq.nsmallest(limit, ranked)]


class _Found(typing.NamedTuple):
    id: int
    name: str
    code: str | None
    path: str
    parent_name: str | None
    exact: bool


def localities_matching(scope: Unit, text: str, limit: int = 20, *, with_units: bool = False) -> list:
    """(id, name, province_name, exact) of at most `limit` localities matching every word typed without
    diacritics, whole names first, then names that start with the text. Those an admin may set on a unit: the
    province of their scope and its communes (every one for a national scope); `with_units`: the communes
    where the scope has units (a dashboard's filter)."""
    words = fold_words(text).split()[:5]
    province = sa.orm.aliased(Locality)
    query = (sa.select(Locality.id, Locality.name, province.name.label("province_name"))
             .outerjoin(province, province.id == Locality.parent_id)
             .order_by(Locality.parent_id.is_not(None), province.name, Locality.name))
    home = scope.locality.province if scope.locality else None
    if with_units:
        query = query.where(Locality.parent_id.is_not(None), Locality.id.in_(
            sa.select(Unit.locality_id).where(Unit.path.startswith(scope.path, autoescape=True))))
    elif home is not None:
        query = query.where(Locality.valid_to.is_(None), sa.or_(Locality.id == home.id, Locality.parent_id == home.id))
    else:
        query = query.where(Locality.valid_to.is_(None))
    if not words:
        return [_Place(*row, exact=False) for row in db.session.execute(query.limit(limit))]
    phrase = " ".join(words)
    ranked = []
    for row in db.session.execute(query):
        name, province_name = fold_name(row.name), fold_name(row.province_name)
        if all(word in f"{name} {province_name}" for word in words):
            exact = phrase in (name, f"{name}, {province_name}")
            rank = 0 if exact else 1 if name.startswith(phrase) else 2
            ranked.append((rank, len(ranked), _Place(*row, exact=exact)))
    return [found for *_, found in heapq.nsmallest(limit, ranked)]


class _Place(typing.NamedTuple):
    id: int
    name: str
    province_name: str | None
    exact: bool
