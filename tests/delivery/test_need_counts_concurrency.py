"""Two transactions changing the training-need counts of one unit in opposite orders both commit (PostgreSQL):
the counts are changed at commit in their key order, so neither waits for the other's counts in a cycle."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from lms.delivery.models import NeedCount
from lms.extensions import db
from lms.learning.models import ProgramState, ProgramStatus


def test_trainees_of_one_unit_completing_programs_in_opposite_orders_both_commit(app, make):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer at a time")
    commune = make.unit("Đảng ủy xã", parent=make.unit("Tỉnh ủy"))
    title = make.title("Bí thư xã")
    first = make.program_record("Bồi dưỡng 1", titles=[title])
    second = make.program_record("Bồi dưỡng 2", titles=[title])
    an, binh = make.user("hv.an", unit=commune, held=[title]), make.user("hv.binh", unit=commune, held=[title])
    for person in (an, binh):
        for program in (first, second):
            make.program_status(person, program, "in_progress")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.sum(NeedCount.people))) == 4  # two people, two programs
    # Each completes both programs, one statement each, in the other's order, the second once both made the first.
    orders = {an.id: (first.id, second.id), binh.id: (second.id, first.id)}
    barrier, errors = threading.Barrier(2), []

    def complete(user_id: int) -> None:
        try:
            with app.app_context():
                for step, program_id in enumerate(orders[user_id]):
                    db.session.execute(sa.update(ProgramStatus).where(
                        ProgramStatus.user_id == user_id, ProgramStatus.program_id == program_id)
                        .values(state=ProgramState.COMPLETED, required_done=ProgramStatus.required_total))
                    if step == 0:
                        barrier.wait(timeout=10)
                db.session.commit()
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=complete, args=(user_id,)) for user_id in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with app.app_context():
        assert db.session.scalars(sa.select(NeedCount)).all() == []  # both completed both: nobody in need
        assert db.session.scalar(sa.text("SELECT count(*) FROM need_count_changes")) == 0
