"""A class's timetable (thời khóa biểu): its sessions, who attended each, and exceptions to the attendance rule."""
from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import str_enum, utcnow
from lms.delivery.models import AttendanceMethod, TrainingClass
from lms.extensions import db

# The share of a class's sessions a trainee may miss unless the class says otherwise.
DEFAULT_ABSENCE_LIMIT_PERCENT = 20


class ClassSession(db.Model):
    """One session of a class's timetable: a day, a time, a topic or module, a lecturer and a room."""

    __tablename__ = "class_sessions"
    __table_args__ = (
        sa.Index("ix_class_sessions_class_on", "class_id", "held_on", "starts_at"),
        sa.Index("ix_class_sessions_held_on", "held_on"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("classes.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(sa.Date)
    starts_at: Mapped[time] = mapped_column(sa.Time)  # local time (LMS_TIMEZONE), as printed on the timetable
    ends_at: Mapped[time] = mapped_column(sa.Time)
    topic: Mapped[str] = mapped_column(sa.String(255), default="")
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    lecturer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    room: Mapped[str] = mapped_column(sa.String(120), default="")
    checkin_code: Mapped[str | None] = mapped_column(sa.String(12))
    checkin_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_class: Mapped[TrainingClass] = relationship()
    module = relationship("Module")
    lecturer = relationship("User")

    @property
    def title(self) -> str:
        """The topic, or the module's title when the session names only a module."""
        if self.topic:
            return self.topic
        if self.module is not None:
            return self.module.published.title if self.module.published else self.module.code
        return ""

    def __repr__(self) -> str:
        return f"<ClassSession {self.class_id} {self.held_on} {self.starts_at}>"


class Presence(enum.StrEnum):
    PRESENT = "present"  # có mặt
    EXCUSED = "excused"  # vắng có phép
    ABSENT = "absent"  # vắng không phép

    @property
    def missed(self) -> bool:
        return self is not Presence.PRESENT


class SessionAttendance(db.Model):
    """Whether a trainee attended a session: present, or absent with or without permission and why."""

    __tablename__ = "session_attendances"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "trainee_id"),
        sa.Index("ix_session_attendances_trainee_presence", "trainee_id", "presence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("class_sessions.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    presence: Mapped[Presence] = mapped_column(str_enum(Presence, 10))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    method: Mapped[AttendanceMethod] = mapped_column(str_enum(AttendanceMethod, 10))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    session: Mapped[ClassSession] = relationship()
    trainee = relationship("User", foreign_keys=[trainee_id])


class SessionCheckInFailure(db.Model):
    """A wrong session code entered by a trainee (the same lockout as a field trip's check-in)."""

    __tablename__ = "session_checkin_failures"
    __table_args__ = (sa.Index("ix_session_checkin_failures_session_trainee", "session_id", "trainee_id",
                               "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("class_sessions.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttendanceException(db.Model):
    """An admin's decision that a trainee may complete the class although they missed too many sessions."""

    __tablename__ = "attendance_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nominations.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    granted_by = relationship("User")
