"""The completion facts follow every write to their sources, ORM or plain SQL; a rebuild gives the same rows."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import TitleAssignment, User
from lms.dashboards import facts, queries
from lms.dashboards.models import CompletionFact
from lms.extensions import db
from lms.formats import local_today
from lms.learning.models import ProgramState, ProgramStatus
from lms.organisation.models import Unit


def _rows():
    return sorted(db.session.execute(sa.select(
        CompletionFact.status_id, CompletionFact.user_id, CompletionFact.unit_id, CompletionFact.locality_id,
        CompletionFact.province_id, CompletionFact.program_id, CompletionFact.title_id, CompletionFact.title_rank,
        CompletionFact.state)).all())


def _totals(nation, **narrow):
    f = queries.Filters(scope_path=db.session.get(Unit, nation.centre.id).path, **narrow)
    return db.session.execute(queries.totals(f)).one()


def test_statuses_appear_once_per_held_title_and_once_in_the_totals(ctx, nation):
    an = [r for r in _rows() if r.user_id == nation.an.id]
    assert len(an) == 2
    assert {r.title_id for r in an} == {nation.secretary.id}
    cuong = [r for r in _rows() if r.user_id == nation.cuong.id]
    assert [(r.title_id, r.title_rank) for r in cuong] == [(None, 1)]
    assert cuong[0].province_id == nation.ha_tinh.id
    assert cuong[0].locality_id == nation.ha_tinh.id
    assert _totals(nation).total == 5


def test_a_state_change_is_reflected_at_the_next_flush(ctx, nation):
    status = db.session.scalar(sa.select(ProgramStatus).where(ProgramStatus.user_id == nation.binh.id))
    status.state = ProgramState.COMPLETED
    db.session.flush()
    assert _totals(nation).completed == 3


def test_moving_a_trainee_moves_their_figures(ctx, nation):
    user = db.session.get(User, nation.cuong.id)
    user.unit = db.session.get(Unit, nation.other.id)
    db.session.flush()
    assert {r.unit_id for r in _rows() if r.user_id == nation.cuong.id} == {nation.other.id}
    assert _totals(nation, province_id=nation.hue.id).total == 2


def test_a_unit_moved_to_another_locality_takes_its_people_along(ctx, nation):
    unit = db.session.get(Unit, nation.commune_b.id)
    unit.locality_id = nation.ky_anh.id
    db.session.flush()
    assert _totals(nation, commune_id=nation.ky_anh.id).total == 3


def test_an_ended_title_no_longer_counts_for_that_title(ctx, nation):
    assignment = db.session.scalar(sa.select(TitleAssignment).where(TitleAssignment.user_id == nation.an.id))
    assignment.end_date = local_today() - timedelta(days=1)
    db.session.flush()
    assert _totals(nation, title_id=nation.secretary.id).total == 1
    assert _totals(nation).total == 5


def test_deleting_a_status_removes_its_facts(ctx, nation):
    status = db.session.scalar(sa.select(ProgramStatus).where(ProgramStatus.user_id == nation.dung.id))
    db.session.delete(status)
    db.session.flush()
    assert nation.dung.id not in {r.user_id for r in _rows()}


def test_rebuild_gives_the_rows_kept_incrementally(ctx, nation):
    before = _rows()
    assert facts.rebuild(db.session.connection()) == len(before)
    assert _rows() == before


def test_plain_sql_updates_are_followed_too(ctx, nation):
    # The learning records recount statuses with UPDATE statements that no ORM event sees.
    db.session.execute(sa.update(ProgramStatus).where(ProgramStatus.user_id == nation.cuong.id)
                       .values(state=ProgramState.COMPLETED).execution_options(synchronize_session=False))
    assert _totals(nation).completed == 3
    db.session.execute(sa.delete(TitleAssignment).where(TitleAssignment.user_id == nation.dung.id))
    assert _totals(nation, title_id=nation.secretary.id).total == 2
