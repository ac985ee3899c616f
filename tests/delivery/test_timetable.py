"""The class timetable and attendance per session: the admin's timetable, the lecturer's list, the trainee's
code, and the attendance rule that blocks completion unless an admin records an audited exception."""
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.audit import AuditEntry
from lms.db import utcnow
from lms.delivery import attendance, checkin, services, timetable
from lms.delivery.attendance import Mark
from lms.delivery.models import AttendanceMethod, Nomination, NominationState, TrainingClass
from lms.delivery.standing import standing_of, standings
from lms.delivery.timetable_models import ClassSession, Presence, SessionAttendance
from lms.errors import Conflict, InvalidInput, NotAllowed, NotEligible
from lms.extensions import db


@pytest.fixture
def world(ctx, make):
    unit = make.unit()
    admin = make.admin("qt.admin", scope=unit)
    lecturer = make.lecturer("giangvien")
    klass = make.training_class(unit=unit, lecturers=[lecturer])
    alice = make.user("alice", unit=unit, full_name="Trần Thị Alice")
    bob = make.user("bob", unit=unit, full_name="Lê Văn Bob")
    for user in (alice, bob):
        make.nomination(klass, user, NominationState.ENROLLED)
    sessions = [make.class_session(klass, held_on=date(2026, 9, 7) + timedelta(days=i), lecturer=lecturer)
                for i in range(5)]

    def get(model, obj):
        return db.session.get(model, obj.id)

    return type("W", (), dict(
        unit=unit, admin=get(User, admin), lecturer=get(User, lecturer), klass=get(TrainingClass, klass),
        alice=get(User, alice), bob=get(User, bob), sessions=[get(ClassSession, s) for s in sessions]))


def test_the_classes_admin_keeps_the_timetable_and_lecturers_and_trainees_read_it(world, make):
    session = timetable.save_session(world.admin, world.klass, None, held_on=date(2026, 9, 1),
                                     starts_at=time(13, 30), ends_at=time(17, 0), topic="Khai giảng",
                                     lecturer=world.lecturer, room="Hội trường A")
    listed = db.session.scalars(timetable.sessions_of(world.klass)).all()
    assert listed[0] == session
    assert len(listed) == 6
    assert timetable.can_view_timetable(world.lecturer, world.klass)
    assert timetable.can_view_timetable(world.alice, world.klass)
    assert not timetable.can_view_timetable(db.session.get(User, make.user().id), world.klass)
    with pytest.raises(NotAllowed):
        timetable.save_session(world.lecturer, world.klass, session, held_on=date(2026, 9, 1),
                               starts_at=time(13, 30), ends_at=time(17, 0), topic="Đổi")
    with pytest.raises(InvalidInput) as refused:
        timetable.save_session(world.admin, world.klass, None, held_on=date(2027, 1, 1), starts_at=time(9),
                               ends_at=time(8), topic="")
    assert len(refused.value.problems) == 3
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "session.save")).one()
    assert entry.detail["topic"] == "Khai giảng"
    assert entry.actor_id == world.admin.id


def test_a_session_with_attendance_taken_cannot_be_deleted(world):
    first, second = world.sessions[:2]
    attendance.record_list(world.lecturer, first, [Mark(world.alice.id, Presence.PRESENT)])
    with pytest.raises(Conflict):
        timetable.delete_session(world.admin, first)
    timetable.delete_session(world.admin, second)
    assert db.session.get(ClassSession, second.id) is None


def test_attendance_by_the_lecturers_list_with_absences_and_reasons(world):
    session = world.sessions[0]
    changed = attendance.record_list(world.lecturer, session, [
        Mark(world.alice.id, Presence.PRESENT), Mark(world.bob.id, Presence.EXCUSED, "Ốm, có giấy")])
    assert changed == 2
    rows = attendance.sheet(session)
    assert rows[world.alice.id].presence is Presence.PRESENT
    assert (rows[world.bob.id].presence, rows[world.bob.id].reason) == (Presence.EXCUSED, "Ốm, có giấy")
    assert rows[world.bob.id].method == AttendanceMethod.LIST
    with pytest.raises(InvalidInput):  # with permission needs its reason
        attendance.record_list(world.lecturer, session, [Mark(world.bob.id, Presence.EXCUSED, " ")])
    with pytest.raises(NotAllowed):
        attendance.record_list(world.admin, session, [Mark(world.bob.id, Presence.ABSENT)])
    assert attendance.record_list(world.lecturer, session, [Mark(world.bob.id, Presence.ABSENT, "")]) == 1
    assert attendance.sheet(session)[world.bob.id].presence is Presence.ABSENT


def test_attendance_by_the_sessions_short_lived_code(world, make, monkeypatch):
    session = world.sessions[0]
    code = attendance.open_checkin(world.lecturer, session)
    outsider = db.session.get(User, make.user().id)
    with pytest.raises(NotAllowed):
        attendance.check_in(outsider, session, code)
    with pytest.raises(InvalidInput):
        attendance.check_in(world.alice, session, code, now=utcnow() + timedelta(minutes=checkin.CHECKIN_MINUTES + 1))
    row = attendance.check_in(world.alice, session, f" {code} ")
    assert (row.presence, row.method) == (Presence.PRESENT, AttendanceMethod.CODE)
    monkeypatch.setattr(checkin.secrets, "randbelow", lambda _n: 424242 if code != "424242" else 434343)
    attendance.open_checkin(world.lecturer, session)
    with pytest.raises(InvalidInput):  # a new code replaces the old one
        attendance.check_in(world.bob, session, code)


def test_wrong_session_codes_lock_the_trainee_out_as_on_field_trips(world):
    session = world.sessions[0]
    code = attendance.open_checkin(world.lecturer, session)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(checkin.CHECKIN_MAX_FAILURES):
        with pytest.raises(InvalidInput):
            attendance.check_in(world.alice, session, wrong)
    with pytest.raises(InvalidInput, match="quá nhiều lần"):
        attendance.check_in(world.alice, session, code)
    assert attendance.check_in(world.bob, session, code).trainee_id == world.bob.id


def _miss(world, trainee, count):
    for session in world.sessions[:count]:
        attendance.record_list(world.lecturer, session, [Mark(trainee.id, Presence.ABSENT)])


def _nomination(world, trainee) -> Nomination:
    return db.session.scalars(sa.select(Nomination).where(Nomination.trainee_id == trainee.id)).one()


def test_missing_more_than_the_classes_share_blocks_completion_and_says_why(world):
    _miss(world, world.alice, 1)  # 1 of 5 = 20 %: allowed
    services.change_state(world.admin, _nomination(world, world.alice), NominationState.COMPLETED)
    attendance.record_list(world.lecturer, world.sessions[0], [Mark(world.bob.id, Presence.EXCUSED, "Công tác")])
    attendance.record_list(world.lecturer, world.sessions[1], [Mark(world.bob.id, Presence.ABSENT)])
    standing = standing_of(_nomination(world, world.bob))
    assert (standing.sessions, standing.excused, standing.absent, standing.blocks_completion) == (5, 1, 1, True)
    with pytest.raises(NotEligible) as refused:
        services.change_state(world.admin, _nomination(world, world.bob), NominationState.COMPLETED)
    assert "2/5" in refused.value.message
    assert "20" in refused.value.message
    assert _nomination(world, world.bob).state == NominationState.ENROLLED


def test_a_stricter_or_looser_limit_is_the_classes_choice(world):
    _miss(world, world.bob, 2)
    timetable.set_absence_limit(world.admin, world.klass, 40)
    assert not standings(world.klass)[world.bob.id].over_limit
    with pytest.raises(InvalidInput):
        timetable.set_absence_limit(world.admin, world.klass, 120)
    with pytest.raises(NotAllowed):
        timetable.set_absence_limit(world.lecturer, world.klass, 0)


def test_an_admin_may_record_an_audited_exception_with_a_reason(world):
    _miss(world, world.bob, 3)
    nomination = _nomination(world, world.bob)
    with pytest.raises(InvalidInput):
        attendance.grant_exception(world.admin, nomination, "  ")
    with pytest.raises(NotAllowed):
        attendance.grant_exception(world.lecturer, nomination, "Điều động công tác")
    with pytest.raises(Conflict):  # alice missed nothing: no exception to make
        attendance.grant_exception(world.admin, _nomination(world, world.alice), "x")
    attendance.grant_exception(world.admin, nomination, "Điều động công tác đột xuất")
    services.change_state(world.admin, nomination, NominationState.COMPLETED)
    assert nomination.state == NominationState.COMPLETED
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attendance.exception")).one()
    assert entry.detail["reason"] == "Điều động công tác đột xuất"
    assert entry.detail["missed"] == 3
    assert entry.actor_id == world.admin.id


def test_standings_are_counted_in_a_fixed_number_of_statements(world, statements):
    for trainee in (world.alice, world.bob):
        _miss(world, trainee, 2)
    db.session.flush()
    with statements() as seen:
        result = standings(world.klass)
    assert len(seen) == 3
    assert {s.missed for s in result.values()} == {2}
    assert db.session.scalar(sa.select(sa.func.count(SessionAttendance.id))) == 4
