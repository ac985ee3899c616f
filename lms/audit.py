"""The staff audit log: who did what to which object, when, and from which address.

Each entry is also written as one log line by its domain's logger (`lms.<domain>`), once the transaction
that holds it has committed: the log tells what happened, never what was rolled back.

The entries form a hash chain: each stores the SHA-256 of its content together with the previous entry's
hash, and the one-row table `audit_chain` holds the last hash and the count. An entry edited, deleted or
slipped in afterwards breaks the chain at that point, and `flask lms audit verify` names the first broken
link. Appending is serialised: the chain's row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
writers already take turns, each transaction beginning IMMEDIATE) from the first flush that appends an entry
until the transaction ends, so concurrent requests never fork the chain. Hashes are computed in Python
before the INSERT, in order, so bulk writers stay set-based (`insert_entries`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.db import insert_many, utcnow
from lms.extensions import db

GENESIS = "0" * 64


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
    ip: Mapped[str | None] = mapped_column(sa.String(45))  # the client's address (after trusted proxies)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.object_type}:{self.object_id}>"


class AuditChain(db.Model):
    """The chain's head: the last entry's hash and the number of entries; its row is the append lock."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    entries: Mapped[int] = mapped_column(sa.BigInteger)


CONTENT = ("at", "actor_id", "action", "object_type", "object_id", "detail", "ip")


def entry_hash(prev_hash: str, row: dict) -> str:
    """The SHA-256 of an entry's content (the CONTENT fields of `row`) chained to the previous entry's hash."""
    at = row["at"]
    content = [prev_hash, at.isoformat(timespec="microseconds") if isinstance(at, datetime) else str(at),
               *(row.get(name) for name in CONTENT[1:])]
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def client_address() -> str | None:
    return (request.remote_addr or None) if has_request_context() else None


def record(actor, action: str, obj=None, *, object_type: str | None = None, **detail) -> AuditEntry:
    """Append an audit entry in the current transaction (chained when it is flushed)."""
    entry = AuditEntry(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "-"),
        object_id=getattr(obj, "id", None),
        detail={k: v for k, v in detail.items() if v is not None},
        ip=client_address(),
    )
    db.session.add(entry)
    _log_after_commit(entry, sys._getframe(1).f_globals.get("__name__", "lms"))
    return entry


def _lock_head(session: Session) -> AuditChain:
    """The chain's head row, locked until the transaction ends (made when missing: an emptied table)."""
    head = session.scalars(sa.select(AuditChain).where(AuditChain.id == 1).with_for_update()
                           .execution_options(populate_existing=True)).one_or_none()
    if head is None:
        last = session.execute(sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
        count = session.scalar(sa.select(sa.func.count(AuditEntry.id)))
        if session.get_bind().dialect.name == "postgresql":
            insert = postgresql.insert(AuditChain).on_conflict_do_nothing()
        else:
            insert = sa.insert(AuditChain).prefix_with("OR IGNORE")
        session.execute(insert.values(id=1, last_hash=last or GENESIS, entries=count))
        head = session.scalars(sa.select(AuditChain).where(AuditChain.id == 1).with_for_update()
                               .execution_options(populate_existing=True)).one()
    return head


def _chain(session: Session, rows: list) -> None:
    """Give each entry (ORM objects or dicts, in order) its previous hash and its hash; move the head on."""
    with session.no_autoflush:
        head = _lock_head(session)
        last = head.last_hash
        for row in rows:
            values = row if isinstance(row, dict) else {name: getattr(row, name) for name in CONTENT}
            values.setdefault("ip", None)
            digest = entry_hash(last, values)
            if isinstance(row, dict):
                row["prev_hash"], row["hash"] = last, digest
            else:
                row.prev_hash, row.hash = last, digest
            last = digest
        head.last_hash, head.entries = last, head.entries + len(rows)


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, _context, _instances) -> None:
    pending = [obj for obj in session.new if isinstance(obj, AuditEntry) and obj.hash is None]
    if pending:
        pending.sort(key=lambda entry: sa.inspect(entry).insert_order)  # the order they were added in
        for entry in pending:
            entry.at = entry.at or utcnow()
            entry.detail = entry.detail if entry.detail is not None else {}
        _chain(session, pending)


def insert_entries(session, rows: list[dict]) -> None:
    """Append many entries (dicts with at, actor_id, action, object_type, object_id, detail, ip) in one
    set-based INSERT, chained in order after everything this transaction appended before."""
    if not rows:
        return
    session.flush()
    _chain(session, rows)
    session.flush()  # the head's new hash
    insert_many(session, AuditEntry.__table__, rows)


@dataclass(frozen=True)
class Verdict:
    entries: int
    broken_at: int | None = None  # the id of the first entry whose link does not hold
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def _walk(session, batch: int = 5000) -> Iterator[tuple]:
    columns = [AuditEntry.id, AuditEntry.prev_hash, AuditEntry.hash, *(getattr(AuditEntry, n) for n in CONTENT)]
    after = 0
    while True:
        rows = session.execute(sa.select(*columns).where(AuditEntry.id > after).order_by(AuditEntry.id)
                               .limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def verify(session) -> Verdict:
    """Walk the chain in id order; the first entry whose content or link does not match, if any."""
    last, count = GENESIS, 0
    for row in _walk(session):
        count += 1
        if row.prev_hash != last:
            return Verdict(count, row.id, f"entry {row.id}: its previous hash does not match the entry before it "
                                          "(an entry was removed or inserted here)")
        if entry_hash(last, {name: getattr(row, name) for name in CONTENT}) != row.hash:
            return Verdict(count, row.id, f"entry {row.id}: its content does not match its hash (it was changed)")
        last = row.hash
    head = session.get(AuditChain, 1)
    if head is not None and (head.last_hash, head.entries) != (last, count):
        return Verdict(count, None, f"the chain's head records {head.entries} entries ending in "
                                    f"{head.last_hash[:12]}…, the table has {count} ending in {last[:12]}… "
                                    "(entries were removed at the end)")
    return Verdict(count)


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
