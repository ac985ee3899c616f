"""Learning records: lesson progress per revision, and the maintained module and program statuses that
dashboards aggregate in SQL (never recomputed by loading every record).
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import str_enum, utcnow
from lms.extensions import db


class LessonProgress(db.Model):
    """One trainee's progress on one lesson of one revision; saving it is an idempotent upsert."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "lesson_id"),
        sa.Index("ix_lesson_progress_user_module", "user_id", "module_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id"), index=True)
    lesson_key: Mapped[str] = mapped_column(sa.String(80))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"))
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("module_revisions.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    seconds_spent: Mapped[int] = mapped_column(default=0)


class ModuleState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NEEDS_REVIEW = "needs_review"  # completed an earlier revision that now requires re-study


class ModuleStatus(db.Model):
    __tablename__ = "module_statuses"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "module_id"),
        sa.Index("ix_module_statuses_module_state", "module_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"))
    state: Mapped[ModuleState] = mapped_column(str_enum(ModuleState), default=ModuleState.NOT_STARTED)
    completed_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module_revisions.id"))
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProgramState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class ProgramStatus(db.Model):
    """A trainee's current cycle of a program they must take; one row per (user, program).

    Overdue is `state != completed and due_on < today`, evaluated in SQL. A lapsed refresher starts a new
    cycle in this row; earlier completions stay in their history (certificates).
    """

    __tablename__ = "program_statuses"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "program_id"),
        sa.Index("ix_program_statuses_program_state", "program_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"))
    state: Mapped[ProgramState] = mapped_column(str_enum(ProgramState), default=ProgramState.NOT_STARTED)
    required_total: Mapped[int] = mapped_column(default=0)
    required_done: Mapped[int] = mapped_column(default=0)
    started_on: Mapped[date] = mapped_column(sa.Date, default=date.today)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    completed_at: Mapped[datetime | None]
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    program = relationship("Program")
