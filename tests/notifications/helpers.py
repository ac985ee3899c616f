"""Small readers shared by the notification tests."""
from __future__ import annotations

import sqlalchemy as sa

from lms.extensions import db
from lms.notifications import mailing
from lms.notifications.models import Notification


def notices(app=None, **where) -> list[Notification]:
    """The notifications, oldest first, optionally filtered (kind=..., user_id=...)."""
    def read():
        query = sa.select(Notification).order_by(Notification.id)
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        return list(db.session.scalars(query))

    if app is None:
        return read()
    with app.app_context():
        rows = read()
        db.session.expunge_all()
        return rows


def deliver(app, notification_id, now=None):
    """What the mail task does for one notification, in its own app context (as a worker would)."""
    with app.app_context():
        try:
            return mailing.deliver(notification_id, now)
        finally:
            db.session.remove()
