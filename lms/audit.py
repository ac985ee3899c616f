"""The staff audit log: who did what to which object, and when.

Each entry is also written as one log line by its domain's logger (`lms.<domain>`), once the transaction
that holds it has committed: the log tells what happened, never what was rolled back.
"""
from __future__ import annotations

import logging
import sys
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.db import utcnow
from lms.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(80))
    object_type: Mapped[str] = mapped_column(sa.String(80))
    object_id: Mapped[int | None]
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.object_type}:{self.object_id}>"


def record(actor, action: str, obj=None, *, object_type: str | None = None, **detail) -> AuditEntry:
    """Append an audit entry in the current transaction."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "-"),
        object_id=getattr(obj, "id", None),
        detail={k: v for k, v in detail.items() if v is not None},
    )
    db.session.add(entry)
    _log_after_commit(entry, sys._getframe(1).f_globals.get("__name__", "lms"))
    return entry


_PENDING_LINES = "lms_audit_lines"


def domain_logger_name(module: str) -> str:
    """`lms.delivery.services` -> `lms.delivery`: the logger of the domain that made the change."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "lms" and len(parts) > 1 else "lms"


def _log_after_commit(entry: AuditEntry, module: str) -> None:
    line = {"action": entry.action, "object_type": entry.object_type, "object_id": entry.object_id,
            "actor_id": entry.actor_id, "detail": entry.detail}
    db.session.info.setdefault(_PENDING_LINES, []).append((domain_logger_name(module), line))


@event.listens_for(Session, "after_commit")
def _write_lines(session: Session) -> None:
    for name, line in session.info.pop(_PENDING_LINES, ()):
        logging.getLogger(name).info(
            "%s %s:%s by %s", line["action"], line["object_type"], line["object_id"], line["actor_id"], extra=line
        )


@event.listens_for(Session, "after_rollback")
def _forget_lines(session: Session) -> None:
    session.info.pop(_PENDING_LINES, None)
