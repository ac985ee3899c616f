"""Inspections (kiểm tra, giám sát) of a class by an inspector, answered by the class's managing admin."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import utcnow
from lms.delivery.models import TrainingClass
from lms.extensions import db


class Inspection(db.Model):
    """What an inspector found in a class, what they recommend, and by when the class's admin must answer."""

    __tablename__ = "inspections"
    __table_args__ = (
        sa.Index("ix_inspections_class_on", "class_id", "inspected_on"),
        sa.Index("ix_inspections_open_due", "answered_at", "follow_up_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("classes.id", ondelete="CASCADE"))
    inspector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    inspected_on: Mapped[date] = mapped_column(sa.Date)
    findings: Mapped[str] = mapped_column(sa.Text)
    recommendations: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up_due: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]

    training_class: Mapped[TrainingClass] = relationship()
    inspector = relationship("User", foreign_keys=[inspector_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    def __repr__(self) -> str:
        return f"<Inspection {self.class_id} {self.inspected_on}>"
