"""Read-side queries for the admin's user pages."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from lms.accounts import services
from lms.accounts.models import User
from lms.accounts.names import fold
from lms.organisation.models import Unit


def user_list(actor: User, *, q: str = "", unit: Unit | None = None) -> sa.Select:
    """Users in the actor's scope, optionally below `unit` and matching every word of `q` (accents optional)."""
    query = services.users_in_scope(actor).options(contains_eager(User.unit))
    if unit is not None:
        services.ensure_unit_in_scope(actor, unit)
        query = query.where(Unit.path.startswith(unit.path))
    for word in fold(q).split()[:5]:
        query = query.where(User.search_key.contains(word, autoescape=True))
    return query
