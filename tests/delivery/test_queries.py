"""The plan-versus-actual table is aggregated in SQL per planned unit and program."""
from datetime import date

import sqlalchemy as sa

from lms.accounts.models import TheoryLevel
from lms.delivery import queries, services
from lms.delivery.models import NominationState
from lms.extensions import db
from lms.organisation.models import Unit


def test_plan_versus_actual_per_unit_and_program(ctx, make):
    province = make.unit("Tỉnh")
    commune_a = make.unit("Xã A", parent=province)
    commune_b = make.unit("Xã B", parent=province)
    village = make.unit("Chi bộ thôn 1", parent=commune_a)
    title = make.title()
    program = make.program(code="CT-BTX", name="Bí thư xã", titles=[title])
    other_program = make.program(code="CT-KHAC", name="Khác", titles=[title])
    admin = make.admin(scope=province)
    services.save_plan(admin, db.session.get(Unit, commune_a.id), 2026, {program: 2, other_program: 1})
    services.save_plan(admin, db.session.get(Unit, commune_b.id), 2026, {program: 3})
    services.save_plan(admin, db.session.get(Unit, commune_b.id), 2025, {program: 9})
    this_year = make.training_class(program=program, unit=province, starts_on=date(2026, 3, 1))
    last_year = make.training_class(program=program, unit=province, starts_on=date(2025, 3, 1))

    def person(unit):
        return make.user(unit=unit, held=[title], theory_level=TheoryLevel.ADVANCED)

    make.nomination(this_year, person(commune_a), NominationState.NOMINATED)
    make.nomination(this_year, person(village), NominationState.COMPLETED)  # counts for its ancestor Xã A
    over = make.nomination(this_year, person(commune_a), NominationState.ENROLLED)
    over.over_quota_reason = "Bổ sung"
    make.nomination(this_year, person(commune_a), NominationState.WITHDRAWN)  # frees its seat
    make.nomination(this_year, person(commune_b), NominationState.APPROVED)
    make.nomination(last_year, person(commune_b), NominationState.COMPLETED)  # another year

    query = queries.plan_vs_actual(2026)
    assert isinstance(query, sa.Select)
    rows = [r._asdict() for r in db.session.execute(query)]
    table = [(r["unit_name"], r["program_code"], r["quota"], r["nominated"], r["enrolled"], r["completed"],
              r["remaining"], r["over_quota"]) for r in rows]
    assert table == [
        ("Xã A", "CT-BTX", 2, 3, 2, 1, -1, 1),
        ("Xã A", "CT-KHAC", 1, 0, 0, 0, 1, 0),
        ("Xã B", "CT-BTX", 3, 1, 0, 0, 2, 0),
    ]
    assert set(rows[0]) == {"unit_id", "unit_name", "unit_path", "program_id", "program_code", "program_name",
                            "quota", "nominated", "enrolled", "completed", "remaining", "over_quota"}
    scoped = db.session.execute(queries.plan_vs_actual(2026, db.session.get(Unit, commune_b.id))).all()
    assert [(r.unit_name, r.nominated) for r in scoped] == [("Xã B", 1)]
