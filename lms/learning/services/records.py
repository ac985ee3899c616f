"""The learning record: xAPI-shaped statements appended in the caller's transaction, and small helpers."""
from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lms.db import run, utcnow
from lms.extensions import db
from lms.learning.models import (
    LearningEvent,
)


def dialect_insert(model):
    """INSERT for the session's dialect, so that ON CONFLICT works on SQLite and PostgreSQL alike."""
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- the learning record -------------------------------------------------------------------------------------

def record_event(user_id: int, verb: str, object_type: str, object_id: int, name: str = "", *,
                 revision_id: int | None = None, result: dict | None = None,
                 at: datetime | None = None) -> None:
    """Append one xAPI-shaped statement to the learning record, in the current transaction.

    One INSERT at once, not an object for the session to flush: statements are only ever appended, and a
    trainee's every lesson view, completion and attempt writes one."""
    now = utcnow()
    run(db.session, _INSERT_EVENT, {
        "uuid": str(uuid.uuid4()), "user_id": user_id, "verb": verb, "object_type": object_type,
        "object_id": object_id, "object_name": (name or "")[:255], "revision_id": revision_id, "result": result,
        "timestamp": at or now, "stored": now,
    })


_INSERT_EVENT = sa.insert(LearningEvent)  # built once: its cache key is then cheap
