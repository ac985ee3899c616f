"""Timetable and attendance pages as the class's admin, its lecturer and its trainees use them."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.delivery import attendance
from lms.delivery.models import Nomination, NominationState
from lms.delivery.timetable_models import ClassSession, Presence, SessionAttendance
from lms.extensions import db
from tests.delivery import test_views

school = test_views.school  # the same people and class as the other delivery pages


@pytest.fixture
def timetabled(school, make):
    for user in (school.alice, school.bob):
        make.nomination(school.klass, user, NominationState.ENROLLED)
    sessions = [make.class_session(school.klass, held_on=date(2026, 9, 7) + timedelta(days=i), lecturer=school.lecturer,
                                   topic=f"Chuyên đề {i + 1}") for i in range(4)]
    return sessions


def test_the_admin_adds_a_session_and_lecturer_and_trainee_see_it(client, auth, school, timetabled):
    auth.login("admin")
    response = client.post(f"/admin/classes/{school.klass.id}/sessions/new", data={
        "held_on": "2026-09-02", "starts_at": "07:30", "ends_at": "11:00", "topic": "Khai giảng lớp",
        "module_id": "0", "lecturer_id": str(school.lecturer.id), "room": "Hội trường B"})
    assert response.status_code == 302
    refused = client.post(f"/admin/classes/{school.klass.id}/sessions/new", data={
        "held_on": "2026-09-02", "starts_at": "11:00", "ends_at": "07:30", "topic": "Sai giờ",
        "module_id": "0", "lecturer_id": "0", "room": ""})
    assert refused.status_code == 200
    assert "Giờ kết thúc phải sau giờ bắt đầu." in refused.get_data(as_text=True)
    auth.logout()
    for username in ("giangvien", "carol", "alice"):
        auth.login(username)
        page = client.get(f"/classes/{school.klass.id}/timetable")
        if username == "carol":  # not in the class
            assert page.status_code == 404
        else:
            text = page.get_data(as_text=True)
            assert "Khai giảng lớp" in text
            assert "Hội trường B" in text
            assert "02/09/2026" in text
        auth.logout()


def test_attendance_by_the_lecturers_list_and_by_the_trainees_code(client, auth, app, school, timetabled):
    session = timetabled[0]
    auth.login("giangvien")
    sheet = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Lê Thị Thu Hà" in sheet
    assert 'name="presence-' in sheet
    response = client.post(f"/sessions/{session.id}/attendance", data={
        f"presence-{school.alice.id}": "present", f"presence-{school.bob.id}": "excused",
        f"reason-{school.bob.id}": "Đi công tác"})
    assert response.status_code == 302
    client.post(f"/sessions/{timetabled[1].id}/check-in-code")
    with app.app_context():
        code = db.session.get(ClassSession, timetabled[1].id).checkin_code
    auth.logout()
    auth.login("alice")
    assert client.post(f"/sessions/{timetabled[1].id}/check-in", data={"code": "x"}).status_code == 200
    assert client.post(f"/sessions/{timetabled[1].id}/check-in", data={"code": code}).status_code == 302
    with app.app_context():
        rows = {(r.session_id, r.trainee_id): (r.presence, r.reason, r.method.value)
                for r in db.session.scalars(sa.select(SessionAttendance))}
    assert rows == {(session.id, school.alice.id): (Presence.PRESENT, "", "list"),
                    (session.id, school.bob.id): (Presence.EXCUSED, "Đi công tác", "list"),
                    (timetabled[1].id, school.alice.id): (Presence.PRESENT, "", "code")}


def test_the_trainee_and_the_admin_see_why_completion_is_blocked_and_the_admin_records_an_exception(
        client, auth, app, school, timetabled):
    with app.app_context():
        from lms.accounts.models import User

        lecturer = db.session.get(User, school.lecturer.id)
        for s in timetabled[:2]:
            attendance.record_list(lecturer, db.session.get(ClassSession, s.id),
                                   [attendance.Mark(school.bob.id, Presence.ABSENT)])
        db.session.commit()
        nomination_id = db.session.scalar(sa.select(Nomination.id).where(Nomination.trainee_id == school.bob.id))
    auth.login("bob")
    mine = client.get("/my/classes").get_data(as_text=True)
    assert "Chưa thể hoàn thành lớp" in mine
    assert "2/4" in mine
    auth.logout()
    auth.login("admin")
    summary = client.get(f"/classes/{school.klass.id}/attendance").get_data(as_text=True)
    assert "Vắng quá mức" in summary
    assert "Đặng Văn Hùng" in summary
    refused = client.post(f"/admin/nominations/{nomination_id}/state", data={"state": "completed"},
                          follow_redirects=True)
    assert "chưa thể hoàn thành lớp" in refused.get_data(as_text=True)
    client.post(f"/admin/nominations/{nomination_id}/attendance-exception", data={"reason": "Điều động chống bão"})
    client.post(f"/admin/nominations/{nomination_id}/state", data={"state": "completed"})
    with app.app_context():
        assert db.session.get(Nomination, nomination_id).state == NominationState.COMPLETED
