"""Read-side queries for units and titles."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from wtforms.fields.choices import SelectChoice

from lms.accounts.models import User
from lms.extensions import db
from lms.formats import local_today
from lms.forms import choices
from lms.organisation.models import Locality, Title, Unit


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


def locality_choices(scope: Unit):
    """The province of the admin's scope and its communes; every province and commune for a national scope."""
    province = scope.locality.province if scope.locality else None
    if province is not None:
        communes = db.session.scalars(
            sa.select(Locality).where(Locality.parent_id == province.id).order_by(Locality.name)
        )
        return choices([(0, "—"), (province.id, province.name), *((c.id, c.name) for c in communes)])
    provinces = db.session.execute(
        sa.select(Locality.id, Locality.name).where(Locality.parent_id.is_(None)).order_by(Locality.name)
    ).all()
    communes: dict[int, list] = {}
    for cid, name, parent_id in db.session.execute(
        sa.select(Locality.id, Locality.name, Locality.parent_id)
        .where(Locality.parent_id.is_not(None))
        .order_by(Locality.name)
    ):
        communes.setdefault(parent_id, []).append((cid, name))
    options = [SelectChoice(0, "—")]
    for pid, province_name in provinces:
        options.append(SelectChoice(pid, province_name, optgroup=province_name))
        options += [SelectChoice(cid, name, optgroup=province_name) for cid, name in communes.get(pid, [])]
    return options


def units_matching(scope: Unit, text: str, limit: int = 20) -> list:
    """(id, name, path) of at most `limit` units of the scope whose name or code holds every word typed,
    without diacritics ("ky anh" finds "Đảng ủy xã Kỳ Anh"): a lookup for a unit picker, never a full list.

    The names are folded here, over (id, name, code) rows of the subtree: a province holds a few thousand."""
    from lms.text import fold_words

    words = fold_words(text).split()[:5]
    if not words:
        return []
    found = []
    rows = db.session.execute(sa.select(Unit.id, Unit.name, Unit.code, Unit.path)
                              .where(Unit.path.startswith(scope.path, autoescape=True)).order_by(Unit.path))
    for row in rows:
        key = fold_words(f"{row.name} {row.code or ''}")
        if all(word in key for word in words):
            found.append(row)
            if len(found) >= limit:
                break
    return found
