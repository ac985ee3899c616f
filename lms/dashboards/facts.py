"""Keeping `completion_facts` in step with its sources.

After every ORM flush that touches a program status, a held-title assignment, a trainee's unit or a unit's
locality, the facts of the trainees concerned are recomputed from the source tables in two statements
(DELETE, then INSERT ... SELECT). Writers that bypass the ORM (bulk loads) call `refresh()` themselves;
`flask lms dashboards rebuild` recomputes everything.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

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


def refresh(connection, *, user_ids: Iterable[int] = (), unit_ids: Iterable[int] = ()) -> None:
    """Recompute the facts of these trainees and of everyone in these units."""
    user_ids, unit_ids = sorted(set(user_ids)), sorted(set(unit_ids))
    for start in range(0, max(len(user_ids), len(unit_ids)), 500):
        users, units = user_ids[start:start + 500], unit_ids[start:start + 500]
        gone = sa.or_(CompletionFact.user_id.in_(users), CompletionFact.unit_id.in_(units))
        connection.execute(sa.delete(CompletionFact).where(gone))
        source = _source(sa.or_(ProgramStatus.user_id.in_(users), User.unit_id.in_(units)))
        connection.execute(sa.insert(CompletionFact).from_select(COLUMNS, source))


def rebuild(connection) -> int:
    """Recompute every fact; returns how many rows there are now."""
    connection.execute(sa.delete(CompletionFact))
    connection.execute(sa.insert(CompletionFact).from_select(COLUMNS, _source()))
    return connection.scalar(sa.select(sa.func.count()).select_from(CompletionFact))


def _changed(obj, *names: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _after_flush(session: Session, _context) -> None:
    users: set[int] = set()
    units: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ProgramStatus | TitleAssignment):
            if obj.user_id is not None:
                users.add(obj.user_id)
        elif isinstance(obj, User) and obj in session.dirty and _changed(obj, "unit_id", "unit"):
            users.add(obj.id)
        elif isinstance(obj, Unit) and obj in session.dirty and _changed(obj, "locality_id", "locality"):
            units.add(obj.id)
    if users or units:
        refresh(session.connection(), user_ids=users, unit_ids=units)


def install() -> None:
    """Listen to every session's flushes (once)."""
    if not sa.event.contains(Session, "after_flush", _after_flush):
        sa.event.listen(Session, "after_flush", _after_flush)
