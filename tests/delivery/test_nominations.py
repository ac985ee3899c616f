"""Nomination "đúng đối tượng": eligibility by title and standards, the key-title rule, capacity, states,
quotas, and flags when a nominee's titles change."""
from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts import services as accounts
from lms.accounts.models import AssignmentKind, TheoryLevel, User
from lms.audit import AuditEntry
from lms.delivery import services
from lms.delivery.models import DeliveryMode, Nomination, NominationState, TrainingClass
from lms.errors import Conflict, InvalidInput, NotAllowed, NotEligible
from lms.extensions import db


@pytest.fixture
def world(ctx, make):
    """A province with a commune unit, a commune Party-secretary program and its class."""
    province = make.unit("Tỉnh ủy")
    commune = make.unit("Đảng ủy xã Dân Hóa", parent=province)
    other = make.unit("Tỉnh khác")
    secretary = make.title("Bí thư Đảng ủy xã", code="XA-BT", is_key=True)
    police = make.title("Trưởng Công an xã", code="XA-TCA")
    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", titles=[secretary],
                           required_theory_level=TheoryLevel.INTERMEDIATE)
    klass = make.training_class(program=program, unit=province, capacity=2)
    admin = make.admin("admin", scope=province)
    return type("World", (), dict(province=province, commune=commune, other=other, secretary=secretary,
                                  police=police, program=program, klass=klass, admin=admin))


def trainee(make, unit, **kwargs):
    kwargs.setdefault("theory_level", TheoryLevel.INTERMEDIATE)
    return make.user(unit=unit, **kwargs)


def test_a_holder_of_a_target_title_meeting_the_standard_is_nominated_and_audited(world, make):
    cadre = trainee(make, world.commune, held=[world.secretary])
    nomination = services.nominate(world.admin, cadre, world.klass)
    assert nomination.state == NominationState.NOMINATED
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "nominations"))
    assert (entry.action, entry.object_id, entry.actor_id) == ("nomination.nominated", nomination.id, world.admin.id)


def test_a_cadre_planned_for_a_target_title_is_eligible_too(world, make):
    cadre = trainee(make, world.commune, held=[world.police], planned=[world.secretary])
    assert services.nominate(world.admin, cadre, world.klass).state == NominationState.NOMINATED


def test_someone_outside_the_target_group_is_refused_with_the_reason(world, make):
    cadre = trainee(make, world.commune, held=[world.police], full_name="Dương Văn Long")
    with pytest.raises(NotEligible) as refused:
        services.nominate(world.admin, cadre, world.klass)
    assert "Dương Văn Long không giữ và không được quy hoạch chức danh nào" in refused.value.message
    assert "Bí thư Đảng ủy xã" in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 0


def test_a_title_that_ended_no_longer_counts(world, make):
    cadre = trainee(make, world.commune)
    accounts.assign_title(None, cadre, world.secretary, AssignmentKind.HELD, date(2020, 1, 1), date(2024, 12, 31))
    with pytest.raises(NotEligible):
        services.nominate(world.admin, cadre, world.klass)


def test_the_required_theory_level_is_a_standard(world, make):
    cadre = trainee(make, world.commune, held=[world.secretary], theory_level=TheoryLevel.ELEMENTARY)
    with pytest.raises(NotEligible) as refused:
        services.nominate(world.admin, cadre, world.klass)
    assert "yêu cầu trình độ lý luận chính trị từ trung cấp" in refused.value.message
    assert "mới có trình độ sơ cấp" in refused.value.message


def test_a_cadre_planned_for_a_key_title_cannot_be_sent_only_to_online_delivery(world, make):
    cadre = trainee(make, world.commune, held=[world.police], planned=[world.secretary], full_name="Hồ Văn Sơn")
    online = make.training_class(program=world.program, unit=world.province, mode=DeliveryMode.ONLINE)
    online = db.session.get(TrainingClass, online.id)
    with pytest.raises(NotEligible) as refused:
        services.nominate(world.admin, cadre, online)
    assert "quy hoạch chức danh chủ chốt Bí thư Đảng ủy xã" in refused.value.message
    assert "tập trung" in refused.value.message
    # With a seat in a concentrated class of the program, the online class of the same year is a second
    # nomination to the same program: refused as such.
    services.nominate(world.admin, cadre, world.klass)
    with pytest.raises(Conflict) as twice:
        services.nominate(world.admin, cadre, online)
    assert f"đã được cử vào lớp {world.klass.code} của cùng chương trình năm" in twice.value.message


def test_a_holder_of_the_key_title_not_in_planning_may_take_the_online_class(world, make):
    cadre = trainee(make, world.commune, held=[world.secretary])
    online = make.training_class(program=world.program, unit=world.province, mode=DeliveryMode.ONLINE)
    assert services.nominate(world.admin, cadre, db.session.get(TrainingClass, online.id))


def test_admins_nominate_only_trainees_of_their_own_scope(world, make):
    stranger = trainee(make, world.other, held=[world.secretary])
    with pytest.raises(NotAllowed):
        services.nominate(world.admin, stranger, world.klass)


def test_a_commune_admin_nominates_to_a_provincial_class_but_does_not_run_it(world, make):
    commune_admin = make.admin(scope=world.commune)
    cadre = trainee(make, world.commune, held=[world.secretary])
    nomination = services.nominate(commune_admin, cadre, world.klass)
    with pytest.raises(NotAllowed):
        services.change_state(commune_admin, nomination, NominationState.APPROVED)
    services.change_state(commune_admin, nomination, NominationState.WITHDRAWN, note="Bận công tác")
    assert nomination.state == NominationState.WITHDRAWN


def test_capacity_is_enforced(world, make):
    for _ in range(2):
        services.nominate(world.admin, trainee(make, world.commune, held=[world.secretary]), world.klass)
    with pytest.raises(Conflict) as full:
        services.nominate(world.admin, trainee(make, world.commune, held=[world.secretary]), world.klass)
    assert "đã đủ 2 học viên" in full.value.message


def test_a_withdrawn_nomination_frees_its_seat_and_may_be_renewed(world, make):
    first = trainee(make, world.commune, held=[world.secretary])
    nomination = services.nominate(world.admin, first, world.klass)
    services.nominate(world.admin, trainee(make, world.commune, held=[world.secretary]), world.klass)
    services.change_state(world.admin, nomination, NominationState.WITHDRAWN, note="Bận công tác")
    third = services.nominate(world.admin, trainee(make, world.commune, held=[world.secretary]), world.klass)
    assert third.state == NominationState.NOMINATED
    with pytest.raises(Conflict):
        services.nominate(world.admin, first, world.klass)


def test_nominating_twice_is_refused(world, make):
    cadre = trainee(make, world.commune, held=[world.secretary])
    services.nominate(world.admin, cadre, world.klass)
    with pytest.raises(Conflict):
        services.nominate(world.admin, cadre, world.klass)


def test_states_move_forward_one_step_at_a_time_each_audited(world, make):
    nomination = services.nominate(world.admin, trainee(make, world.commune, held=[world.secretary]), world.klass)
    with pytest.raises(Conflict):
        services.change_state(world.admin, nomination, NominationState.COMPLETED)
    for state in (NominationState.APPROVED, NominationState.ENROLLED, NominationState.COMPLETED):
        services.change_state(world.admin, nomination, state)
    with pytest.raises(Conflict):
        services.change_state(world.admin, nomination, NominationState.WITHDRAWN, note="Bận công tác")
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "nominations")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["nomination.nominated", "nomination.approved", "nomination.enrolled", "nomination.completed"]


def test_losing_the_target_title_flags_the_nomination_for_the_admin(world, make):
    cadre = trainee(make, world.commune, held=[world.secretary])
    nomination = services.nominate(world.admin, cadre, world.klass)
    assignment = db.session.get(User, cadre.id).title_assignments[0]
    accounts.end_title(world.admin, assignment, date(2025, 12, 31))
    assert nomination.flagged_at is not None
    assert "không giữ và không được quy hoạch" in nomination.flag_reason
    assert nomination.state == NominationState.NOMINATED  # kept, but flagged, not silently
    with pytest.raises(NotEligible):
        services.change_state(world.admin, nomination, NominationState.APPROVED)
    services.keep_flagged(world.admin, nomination, "Đã có quyết định bổ nhiệm lại")
    assert nomination.flagged_at is None
    services.change_state(world.admin, nomination, NominationState.APPROVED)


def test_getting_the_title_back_clears_the_flag(world, make):
    cadre = trainee(make, world.commune, held=[world.secretary])
    nomination = services.nominate(world.admin, cadre, world.klass)
    accounts.end_title(world.admin, db.session.get(User, cadre.id).title_assignments[0], date(2025, 12, 31))
    assert nomination.flagged_at is not None
    accounts.assign_title(world.admin, db.session.get(User, cadre.id), db.session.get(type(world.secretary),
                          world.secretary.id), AssignmentKind.PLANNED, date(2026, 1, 1))
    assert nomination.flagged_at is None


# --- annual plan and quota ---------------------------------------------------------------------------


def test_nominations_count_against_the_units_quota_and_going_over_needs_a_reason(world, make):
    services.save_plan(world.admin, world.commune, 2026, {world.program: 1})
    big = make.training_class(program=world.program, unit=world.province, capacity=10)
    big = db.session.get(TrainingClass, big.id)
    services.nominate(world.admin, trainee(make, world.commune, held=[world.secretary]), big)
    extra = trainee(make, world.commune, held=[world.secretary])
    with pytest.raises(NotEligible) as over:
        services.nominate(world.admin, extra, big)
    assert "đã dùng 1/1 chỉ tiêu năm 2026" in over.value.message
    nomination = services.nominate(world.admin, extra, big, over_quota_reason="Bổ sung quy hoạch 2026-2030")
    assert nomination.over_quota_reason == "Bổ sung quy hoạch 2026-2030"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "nomination.over_quota"))
    assert entry.detail["reason"] == "Bổ sung quy hoạch 2026-2030"


def test_quotas_of_another_year_or_program_do_not_count(world, make):
    services.save_plan(world.admin, world.commune, 2027, {world.program: 0})
    cadre = trainee(make, world.commune, held=[world.secretary])
    assert services.nominate(world.admin, cadre, world.klass).over_quota_reason is None


def test_a_plan_needs_a_unit_in_scope_and_sensible_numbers(world):
    with pytest.raises(NotAllowed):
        services.save_plan(world.admin, world.other, 2026, {world.program: 3})
    with pytest.raises(InvalidInput):
        services.save_plan(world.admin, world.commune, 2026, {world.program: -1})


def test_a_nomination_must_fit_the_province_quota_as_well_as_the_communes(world, make):
    services.save_plan(world.admin, world.province, 2026, {world.program: 2})
    services.save_plan(world.admin, world.commune, 2026, {world.program: 5})
    big = db.session.get(TrainingClass, make.training_class(program=world.program, unit=world.province,
                                                            capacity=10).id)
    for _ in range(2):
        services.nominate(world.admin, trainee(make, world.commune, held=[world.secretary]), big)
    third = trainee(make, world.commune, held=[world.secretary])
    with pytest.raises(NotEligible) as over:
        services.nominate(world.admin, third, big)
    assert "Đơn vị Tỉnh ủy đã dùng 2/2 chỉ tiêu năm 2026" in over.value.message
    assert "Đảng ủy xã Dân Hóa" not in over.value.message  # the commune still has 3 seats of its 5
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 2
    nomination = services.nominate(world.admin, third, big, over_quota_reason="Bổ sung theo Kết luận của Tỉnh ủy")
    assert nomination.over_quota_reason == "Bổ sung theo Kết luận của Tỉnh ủy"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "nomination.over_quota"))
    assert entry.detail["plans"] == [{"unit": world.province.id, "quota": 2, "used": 2}]

    from lms.delivery import queries

    table = [(r.unit_name, r.quota, r.nominated, r.remaining, r.over_quota)
             for r in db.session.execute(queries.plan_vs_actual(2026))]
    assert table == [("Tỉnh ủy", 2, 3, -1, 1), ("Đảng ủy xã Dân Hóa", 5, 3, 2, 1)]
