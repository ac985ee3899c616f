"""A class's timetable: sessions edited by the class's admins, read by its lecturers and trainees.
Attendance per session and the attendance rule are in lms.delivery.attendance. Services flush; the request
commits.
"""
from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lms import audit
from lms.accounts.models import User
from lms.curriculum.models import Module
from lms.delivery import services
from lms.delivery.models import TrainingClass
from lms.delivery.timetable_models import ClassSession, SessionAttendance
from lms.delivery.trips import is_participant, trip_modules
from lms.errors import Conflict, InvalidInput, NotFound
from lms.extensions import db
from lms.formats import local_date
from lms.text import clean_name


def can_view_timetable(user: User, klass: TrainingClass) -> bool:
    """The class's admins and lecturers, its trainees, and inspectors whose subtree holds it."""
    return services.can_view_class(user, klass) or is_participant(user, klass)


def sessions_of(klass: TrainingClass) -> sa.Select:
    """The class's sessions in time order, with their module and lecturer."""
    return (sa.select(ClassSession).where(ClassSession.class_id == klass.id)
            .options(selectinload(ClassSession.lecturer),
                     selectinload(ClassSession.module).selectinload(Module.published))
            .order_by(ClassSession.held_on, ClassSession.starts_at, ClassSession.id))


def save_session(
    actor: User,
    klass: TrainingClass,
    session: ClassSession | None,
    *,
    held_on: date,
    starts_at: time,
    ends_at: time,
    topic: str = "",
    module: Module | None = None,
    lecturer: User | None = None,
    room: str = "",
) -> ClassSession:
    """Add a session to the class's timetable, or change one; only the class's admins do."""
    services.ensure_manages_class(actor, klass)
    if session is not None and session.class_id != klass.id:
        raise NotFound()
    topic, room = clean_name(topic), clean_name(room)
    problems = []
    if held_on is None or not klass.starts_on <= held_on <= klass.ends_on:
        problems.append(_("Ngày học phải trong thời gian của lớp (%(start)s – %(end)s).",
                          start=local_date(klass.starts_on), end=local_date(klass.ends_on)))
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        problems.append(_("Giờ kết thúc phải sau giờ bắt đầu."))
    if not topic and module is None:
        problems.append(_("Hãy ghi chủ đề hoặc chọn học phần của buổi học."))
    if module is not None and module.id not in {m.id for m in trip_modules(klass)}:
        problems.append(_("Học phần này không thuộc nội dung của lớp."))
    if lecturer is not None and not services.is_class_lecturer(lecturer, klass):
        problems.append(_("Giảng viên của buổi học phải là giảng viên của lớp."))
    if problems:
        raise InvalidInput(problems[0], problems)
    if session is None:
        session = ClassSession(training_class=klass)
        db.session.add(session)
    session.held_on, session.starts_at, session.ends_at = held_on, starts_at, ends_at
    session.topic, session.module, session.lecturer, session.room = topic, module, lecturer, room
    db.session.flush()
    audit.record(actor, "session.save", session, class_code=klass.code, on=held_on.isoformat(),
                 starts=starts_at.strftime("%H:%M"), ends=ends_at.strftime("%H:%M"), topic=topic or None,
                 module=module.code if module else None, lecturer=lecturer.username if lecturer else None,
                 room=room or None)
    return session


def delete_session(actor: User, session: ClassSession) -> None:
    """Take a session off the timetable; one whose attendance was taken stays (it is evidence)."""
    services.ensure_manages_class(actor, session.training_class)
    taken = db.session.scalar(sa.select(SessionAttendance.id).where(SessionAttendance.session_id == session.id)
                              .limit(1))
    if taken is not None:
        raise Conflict(_("Buổi học đã được điểm danh nên không thể xóa; hãy sửa thông tin buổi học."))
    audit.record(actor, "session.delete", session, class_code=session.training_class.code,
                 on=session.held_on.isoformat(), starts=session.starts_at.strftime("%H:%M"))
    db.session.delete(session)
    db.session.flush()


def set_absence_limit(actor: User, klass: TrainingClass, percent: int) -> None:
    """The share of sessions (in %) a trainee may miss and still complete through this class."""
    services.ensure_manages_class(actor, klass)
    if percent is None or not 0 <= percent <= 100:
        raise InvalidInput(_("Tỷ lệ vắng tối đa phải từ 0 đến 100 %."))
    previous = klass.absence_limit_percent
    klass.absence_limit_percent = percent
    db.session.flush()
    audit.record(actor, "class.absence_limit", klass, previous=previous, percent=percent)
