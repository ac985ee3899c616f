"""Attendance per class session: the lecturer's list (present, absent with or without permission, and why)
or the trainee's own check-in with the session's short-lived code; exceptions to the attendance rule
(lms.delivery.standing). Services flush; the request commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms import audit
from lms.accounts.models import User
from lms.db import utcnow
from lms.delivery import checkin, services
from lms.delivery.models import AttendanceMethod, Nomination
from lms.delivery.standing import standing_of
from lms.delivery.timetable_models import (
    AttendanceException,
    ClassSession,
    Presence,
    SessionAttendance,
    SessionCheckInFailure,
)
from lms.delivery.trips import ensure_lecturer_of, is_participant, participants
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db
from lms.text import clean_name

PRESENCE_LABELS = {
    Presence.PRESENT: _l("Có mặt"),
    Presence.EXCUSED: _l("Vắng có phép"),
    Presence.ABSENT: _l("Vắng không phép"),
}


def presence_label(presence: Presence | str) -> str:
    return str(PRESENCE_LABELS[Presence(presence)])


@dataclass(frozen=True)
class Mark:
    """One line of the lecturer's list."""

    trainee_id: int
    presence: Presence
    reason: str = ""


def sheet(session: ClassSession) -> dict[int, SessionAttendance]:
    """What has been recorded for the session, by trainee id."""
    return {row.trainee_id: row for row in db.session.scalars(
        sa.select(SessionAttendance).where(SessionAttendance.session_id == session.id))}


def record_list(actor: User, session: ClassSession, marks: list[Mark]) -> int:
    """The lecturer's list for a session: one mark per trainee of the class; returns how many changed."""
    klass = session.training_class
    ensure_lecturer_of(actor, klass)
    allowed = {u.id for u in participants(klass)}
    if any(mark.trainee_id not in allowed for mark in marks):
        raise InvalidInput(_("Chỉ học viên của lớp mới được điểm danh."))
    problems = []
    for mark in marks:
        if Presence(mark.presence) is Presence.EXCUSED and not clean_name(mark.reason):
            problems.append(_("Vắng có phép cần ghi lý do."))
            break
    if problems:
        raise InvalidInput(problems[0], problems)
    have = sheet(session)
    changed = 0
    for mark in marks:
        presence, reason = Presence(mark.presence), clean_name(mark.reason)[:500]
        if presence is Presence.PRESENT:
            reason = ""
        row = have.get(mark.trainee_id)
        if row is None:
            db.session.add(SessionAttendance(session_id=session.id, trainee_id=mark.trainee_id, presence=presence,
                                             reason=reason, method=AttendanceMethod.LIST, recorded_by_id=actor.id))
        elif (row.presence, row.reason) != (presence, reason):
            row.presence, row.reason, row.method = presence, reason, AttendanceMethod.LIST
            row.recorded_by_id, row.recorded_at = actor.id, utcnow()
        else:
            continue
        changed += 1
    db.session.flush()
    audit.record(actor, "session.attendance", session, class_code=klass.code, changed=changed,
                 marks={str(m.trainee_id): Presence(m.presence).value for m in marks})
    return changed


def open_checkin(actor: User, session: ClassSession, minutes: int = checkin.CHECKIN_MINUTES) -> str:
    """A new short-lived code for the session; the previous one stops working."""
    ensure_lecturer_of(actor, session.training_class)
    code = checkin.open_code(session, minutes)
    audit.record(actor, "session.checkin_open", session, minutes=minutes)
    return code


def check_in(user: User, session: ClassSession, code: str, now: datetime | None = None) -> SessionAttendance:
    """A trainee of the class records their own presence with the code shown in the room."""
    now = now or utcnow()
    if not is_participant(user, session.training_class):
        raise NotAllowed(_("Bạn không phải học viên của lớp này."))
    checkin.check_code(session, code, failures=SessionCheckInFailure, key="session_id", trainee_id=user.id,
                       now=now)
    row = db.session.scalar(sa.select(SessionAttendance).where(
        SessionAttendance.session_id == session.id, SessionAttendance.trainee_id == user.id))
    if row is None:
        row = SessionAttendance(session_id=session.id, trainee_id=user.id, presence=Presence.PRESENT,
                                reason="", method=AttendanceMethod.CODE, recorded_at=now)
        db.session.add(row)
    elif row.presence is not Presence.PRESENT:
        row.presence, row.reason, row.method, row.recorded_at = Presence.PRESENT, "", AttendanceMethod.CODE, now
    db.session.flush()
    return row


def grant_exception(actor: User, nomination: Nomination, reason: str) -> AttendanceException:
    """An admin of the class lets a trainee complete although they missed too many sessions, and says why."""
    services.ensure_manages_class(actor, nomination.training_class)
    reason = clean_name(reason)
    if not reason:
        raise InvalidInput(_("Hãy ghi lý do cho phép hoàn thành dù vắng quá mức."))
    standing = standing_of(nomination)
    if not standing.over_limit:
        raise Conflict(_("%(name)s chưa vắng quá mức cho phép; không cần ngoại lệ.",
                         name=nomination.trainee.full_name))
    if standing.exception is not None:
        raise Conflict(_("Đã có ngoại lệ cho %(name)s.", name=nomination.trainee.full_name))
    exception = AttendanceException(nomination_id=nomination.id, reason=reason, granted_by_id=actor.id)
    db.session.add(exception)
    db.session.flush()
    audit.record(actor, "attendance.exception", nomination, class_code=nomination.training_class.code,
                 trainee=nomination.trainee.username, reason=reason, missed=standing.missed,
                 sessions=standing.sessions, limit=standing.limit_percent)
    return exception
