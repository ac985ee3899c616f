"""Read-side queries of supervision: the audit log as a scope may read it, and a class's audit trail."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.audit import AuditEntry
from lms.delivery.models import FieldTrip, Nomination, Submission, TrainingClass
from lms.delivery.timetable_models import ClassSession
from lms.formats import zone
from lms.organisation.models import Unit
from lms.supervision.models import Inspection


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page is narrowed to; every value optional."""

    who: str = ""  # a username, exactly
    action: str = ""  # an action or its prefix ("nomination" finds nomination.approved ...)
    object_type: str = ""
    since: date | None = None  # local days, inclusive
    until: date | None = None

    @classmethod
    def read(cls, args: Mapping) -> AuditFilters:
        def day(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        return cls(who=(args.get("who") or "").strip()[:80], action=(args.get("action") or "").strip()[:80],
                   object_type=(args.get("object_type") or "").strip()[:80], since=day("since"), until=day("until"))

    def as_args(self) -> dict:
        return {k: v for k, v in {"who": self.who, "action": self.action, "object_type": self.object_type,
                                  "since": self.since.isoformat() if self.since else "",
                                  "until": self.until.isoformat() if self.until else ""}.items() if v}


def _utc_start(day: date) -> datetime:
    """The UTC moment a local day starts (entries are stored in UTC)."""
    local = datetime.combine(day, time.min, tzinfo=zone())
    return local.astimezone(UTC).replace(tzinfo=None)


actor = aliased(User, name="actor")
actor_unit = aliased(Unit, name="actor_unit")


def audit_entries(scope: Unit, f: AuditFilters) -> sa.Select:
    """Entries made by people of the scope's subtree, newest first (the command line's, made by nobody, are read
    with `flask lms audit verify` and the database's own tools).

    Columns: id, at, actor_name, actor_username, action, object_type, object_id, detail, ip, hash."""
    query = (
        sa.select(AuditEntry.id, AuditEntry.at, actor.full_name.label("actor_name"),
                  actor.username.label("actor_username"), AuditEntry.action, AuditEntry.object_type,
                  AuditEntry.object_id, AuditEntry.detail, AuditEntry.ip, AuditEntry.hash)
        .join(actor, AuditEntry.actor_id == actor.id)
        .join(actor_unit, actor.unit_id == actor_unit.id)
        .order_by(AuditEntry.id.desc())
    )
    query = query.where(actor_unit.path.startswith(scope.path))
    if f.who:
        query = query.where(actor.username == f.who)
    if f.action:
        query = query.where(sa.or_(AuditEntry.action == f.action, AuditEntry.action.startswith(f.action + ".")))
    if f.object_type:
        query = query.where(AuditEntry.object_type == f.object_type)
    if f.since:
        query = query.where(AuditEntry.at >= _utc_start(f.since))
    if f.until:
        query = query.where(AuditEntry.at < _utc_start(f.until + timedelta(days=1)))
    return query


def class_trail(klass: TrainingClass, newest_first: bool = False) -> sa.Select:
    """Every entry about the class and what belongs to it (nominations, sessions, field trips, reports,
    inspections), oldest first. Columns as audit_entries'."""
    owned = {
        "classes": sa.select(sa.literal(klass.id)),
        "nominations": sa.select(Nomination.id).where(Nomination.class_id == klass.id),
        "class_sessions": sa.select(ClassSession.id).where(ClassSession.class_id == klass.id),
        "field_trips": sa.select(FieldTrip.id).where(FieldTrip.class_id == klass.id),
        "submissions": sa.select(Submission.id).join(FieldTrip).where(FieldTrip.class_id == klass.id),
        "inspections": sa.select(Inspection.id).where(Inspection.class_id == klass.id),
    }
    about = sa.or_(*(sa.and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_(ids))
                     for kind, ids in owned.items()))
    return (
        sa.select(AuditEntry.id, AuditEntry.at, actor.full_name.label("actor_name"),
                  actor.username.label("actor_username"), AuditEntry.action, AuditEntry.object_type,
                  AuditEntry.object_id, AuditEntry.detail, AuditEntry.ip, AuditEntry.hash)
        .outerjoin(actor, AuditEntry.actor_id == actor.id)
        .where(about).order_by(AuditEntry.id.desc() if newest_first else AuditEntry.id)
    )
