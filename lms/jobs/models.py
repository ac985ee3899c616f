"""One row per background job: who started it, how far it got, and what came of it."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from lms.db import str_enum, utcnow
from lms.extensions import db


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_kind_created_at", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, 10), default=JobStatus.QUEUED)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    locale: Mapped[str] = mapped_column(sa.String(10), default="vi")
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # What the job works on (an uploaded file); emptied when it finishes.
    payload: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    message: Mapped[str | None] = mapped_column(sa.Text)
    problems: Mapped[list] = mapped_column(sa.JSON, default=list)
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.progress / self.total))

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"
