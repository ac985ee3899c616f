"""The completion facts the dashboard aggregates: one narrow row per program status and held title.

A dashboard page must not join every program status to its trainee, unit, locality and titles on each
request (at national scale that join alone costs more than the whole page budget on SQLite). This table
carries those keys next to the status, so each figure is one scan of narrow rows with no join. It is derived
data: database triggers (lms.dashboards.triggers) keep it in step with every write to its sources, ORM or
plain SQL, and `flask lms dashboards rebuild` recomputes it from scratch.

A status appears once per title the trainee holds (any period; `title_from`/`title_to` let queries pick the
titles held on the day asked), or once with no title. `title_rank` 1 marks the one row every status has, so
figures that are not by title count each status once.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import str_enum
from lms.extensions import db
from lms.learning.models import ProgramState


class CompletionFact(db.Model):
    __tablename__ = "completion_facts"
    # Covering indexes: every figure is an index-only scan of narrow entries, never a lookup per row.
    __table_args__ = (
        sa.Index("ix_completion_facts_rank_unit", "title_rank", "unit_id", "state", "due_on", "program_id",
                 "started_on", "province_id", "locality_id", "completed_at"),
        sa.Index("ix_completion_facts_title", "title_id", "title_rank", "title_from", "title_to", "unit_id",
                 "state", "due_on", "program_id", "started_on", "province_id", "locality_id", "completed_at"),
        sa.Index("ix_completion_facts_user", "user_id", "status_id", "title_rank", "unit_id", "state", "due_on",
                 "program_id", "started_on", "province_id", "locality_id", "title_id", "title_from", "title_to"),
        # In the order of a national breakdown's grouping (program, start date) or of the monthly trend's range
        # (completions by date), so SQLite, which has no hash aggregate, streams the groups without a sort.
        sa.Index("ix_completion_facts_rank_program", "title_rank", "program_id", "unit_id", "state", "due_on",
                 "started_on", "province_id", "locality_id", "completed_at"),
        sa.Index("ix_completion_facts_rank_started", "title_rank", "started_on", "unit_id", "state", "due_on",
                 "program_id", "province_id", "locality_id", "completed_at"),
        sa.Index("ix_completion_facts_rank_completed", "title_rank", "state", "completed_at", "unit_id", "due_on",
                 "program_id", "started_on", "province_id", "locality_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status_id: Mapped[int] = mapped_column(sa.ForeignKey("program_statuses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None]
    locality_id: Mapped[int | None]
    province_id: Mapped[int | None]
    program_id: Mapped[int]
    title_id: Mapped[int | None]
    title_from: Mapped[date | None] = mapped_column(sa.Date)
    title_to: Mapped[date | None] = mapped_column(sa.Date)
    title_rank: Mapped[int] = mapped_column(default=1)
    state: Mapped[ProgramState] = mapped_column(str_enum(ProgramState))
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    started_on: Mapped[date] = mapped_column(sa.Date)
    completed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<CompletionFact status={self.status_id} title={self.title_id}>"
