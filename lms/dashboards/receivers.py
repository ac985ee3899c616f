"""The completion facts during bulk writes: per-row triggers set aside, then the written people refreshed at once."""
from __future__ import annotations

from lms import signals
from lms.dashboards import facts, triggers
from lms.db import each_value
from lms.extensions import db


def on_bulk_titles_started(_sender=None, **_extra) -> None:
    triggers.suspend(db.session.connection())


def on_bulk_titles_finished(_sender=None, *, user_ids, **_extra) -> None:
    connection = db.session.connection()
    if user_ids:
        facts.refresh_users(connection, each_value(db.session, user_ids))
    triggers.restore(connection)


def connect() -> None:
    """Connect the receivers (idempotent)."""
    signals.bulk_titles_started.connect(on_bulk_titles_started)
    signals.bulk_titles_finished.connect(on_bulk_titles_finished)
