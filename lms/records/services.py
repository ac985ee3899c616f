"""Who may read a person's whole record: the person, and the admins whose scope holds their unit."""
from __future__ import annotations

from flask_babel import gettext as _

from lms.accounts import services as accounts
from lms.accounts.models import Role, User
from lms.errors import NotAllowed


def ensure_can_read(actor: User, user: User) -> None:
    """NotAllowed unless the actor is the person or an admin whose unit subtree holds the person's unit."""
    if actor.id == user.id:
        return
    if not actor.has_role(Role.ADMIN):
        raise NotAllowed(_("Bạn chỉ xem được hồ sơ học tập của chính mình."))
    accounts.ensure_unit_in_scope(actor, user.unit)
