"""Recomputing `completion_facts` from its sources in one INSERT ... SELECT.

Day to day the database triggers (lms.dashboards.triggers) keep the facts current; this full rebuild is
for bulk loads that ran with the triggers off, and for `flask lms dashboards rebuild`.
"""
from __future__ import annotations

import sqlalchemy as sa

from lms.accounts.models import AssignmentKind, TitleAssignment, User
from lms.dashboards.models import CompletionFact
from lms.learning.models import ProgramStatus
from lms.organisation.models import Locality, Unit

COLUMNS = ("status_id", "user_id", "unit_id", "locality_id", "province_id", "program_id", "title_id",
           "title_from", "title_to", "title_rank", "state", "due_on", "started_on", "completed_at")


def _source(where=None) -> sa.Select:
    held = (
        sa.select(TitleAssignment.id, TitleAssignment.user_id, TitleAssignment.title_id,
                  TitleAssignment.start_date, TitleAssignment.end_date)
        .where(TitleAssignment.kind == AssignmentKind.HELD)
        .subquery("held")
    )
    rank = sa.func.row_number().over(partition_by=ProgramStatus.id, order_by=held.c.id)
    select = (
        sa.select(ProgramStatus.id, ProgramStatus.user_id, User.unit_id, Unit.locality_id,
                  sa.func.coalesce(Locality.parent_id, Locality.id), ProgramStatus.program_id, held.c.title_id,
                  held.c.start_date, held.c.end_date, rank, ProgramStatus.state, ProgramStatus.due_on,
                  ProgramStatus.started_on, ProgramStatus.completed_at)
        .select_from(ProgramStatus)
        .join(User, User.id == ProgramStatus.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(Locality, Locality.id == Unit.locality_id)
        .outerjoin(held, held.c.user_id == ProgramStatus.user_id)
    )
    return select if where is None else select.where(where)


def rebuild(connection) -> int:
    """Recompute every fact; returns how many rows there are now."""
    connection.execute(sa.delete(CompletionFact))
    connection.execute(sa.insert(CompletionFact).from_select(COLUMNS, _source()))
    return connection.scalar(sa.select(sa.func.count()).select_from(CompletionFact))


def refresh_users(connection, user_ids: sa.Select) -> None:
    """Recompute the facts of the users `user_ids` selects (after a bulk write with the triggers set aside)."""
    connection.execute(sa.delete(CompletionFact).where(CompletionFact.user_id.in_(user_ids)))
    connection.execute(sa.insert(CompletionFact).from_select(COLUMNS, _source(ProgramStatus.user_id.in_(user_ids))))
