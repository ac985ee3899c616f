"""Inspectors read everything about training in their subtree and change nothing; they record inspections of a
class that its managing admin must answer; admins and inspectors read a scoped, filterable audit log."""
import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.audit import AuditEntry
from lms.delivery import attendance
from lms.delivery.models import NominationState, TrainingClass
from lms.delivery.timetable_models import ClassSession, Presence
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db
from lms.formats import local_today
from lms.supervision import services
from lms.supervision.models import Inspection


@pytest.fixture
def province(make):
    province = make.unit("Tỉnh ủy Quảng Trị", code="QT")
    commune = make.unit("Đảng ủy xã Dân Hóa", parent=province)
    other = make.unit("Tỉnh ủy Hà Tĩnh", code="HT")
    lecturer = make.lecturer("giangvien", full_name="Trần Văn Minh", unit=province)
    klass = make.training_class(unit=province, lecturers=[lecturer], code="BTX-2026")
    admin = make.admin("qt.admin", scope=province, full_name="Nguyễn Quản Lý")
    inspector = make.user("thanhtra", roles=(Role.INSPECTOR,), unit=province, scope=province,
                          full_name="Phạm Thanh Tra")
    outsider = make.user("ht.thanhtra", roles=(Role.INSPECTOR,), unit=other, scope=other)
    alice = make.user("alice", unit=commune, full_name="Lê Thị Thu Hà")
    make.nomination(klass, alice, NominationState.ENROLLED)
    session = make.class_session(klass, held_on=date(2026, 9, 8), lecturer=lecturer, topic="Xây dựng Đảng")
    trip = make.trip(klass)
    make.submission(trip, alice, score=85.0)
    return type("P", (), dict(province=province, klass=klass, admin=admin, inspector=inspector, outsider=outsider,
                              alice=alice, lecturer=lecturer, session=session, trip=trip))


def test_an_inspector_reads_the_training_of_their_subtree(client, auth, province):
    auth.login("thanhtra")
    pages = {
        "/admin/classes": "BTX-2026",
        f"/classes/{province.klass.id}": "Lê Thị Thu Hà",
        f"/classes/{province.klass.id}/timetable": "Xây dựng Đảng",
        f"/classes/{province.klass.id}/attendance": "Lê Thị Thu Hà",
        f"/sessions/{province.session.id}": "Lê Thị Thu Hà",
        f"/trips/{province.trip.id}": "Lê Thị Thu Hà",  # the reports handed in and their grades
        f"/classes/{province.klass.id}/inspection": "Ghi kết quả kiểm tra mới",
        "/dashboards/": "Theo dõi",
        "/dashboards/plan": "",
        "/audit": "Nhật ký kiểm toán",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.get_data(as_text=True), url
    home = client.get("/").get_data(as_text=True)
    assert "Kiểm tra, giám sát đào tạo" in home
    assert "Mở lớp mới" not in client.get("/admin/classes").get_data(as_text=True)


def test_an_inspector_of_another_subtree_sees_nothing_of_it(client, auth, province):
    auth.login("ht.thanhtra")
    for url in (f"/classes/{province.klass.id}", f"/classes/{province.klass.id}/timetable",
                f"/classes/{province.klass.id}/inspection", f"/sessions/{province.session.id}"):
        assert client.get(url).status_code == 404, url
    assert "BTX-2026" not in client.get("/admin/classes").get_data(as_text=True)


def test_an_inspection_answered_by_the_classes_admin(ctx, province):
    inspector, admin = db.session.get(User, province.inspector.id), db.session.get(User, province.admin.id)
    klass = db.session.get(TrainingClass, province.klass.id)
    with pytest.raises(NotAllowed):
        services.record_inspection(db.session.get(User, province.outsider.id), klass, inspected_on=date(2026, 9, 9),
                                   findings="x", recommendations="", follow_up_due=date(2026, 9, 30))
    with pytest.raises(InvalidInput):
        services.record_inspection(inspector, klass, inspected_on=date(2026, 9, 9), findings=" ",
                                   recommendations="", follow_up_due=date(2026, 9, 1))
    inspection = services.record_inspection(
        inspector, klass, inspected_on=date(2026, 9, 9), findings="Sổ điểm danh buổi 2 thiếu chữ ký.",
        recommendations="Bổ sung chữ ký giảng viên.", follow_up_due=date(2026, 9, 30))
    assert db.session.scalars(services.open_findings(admin)).all() == [inspection]
    with pytest.raises(NotAllowed):
        services.answer_inspection(inspector, inspection, "Tự trả lời")
    services.answer_inspection(admin, inspection, "Đã bổ sung chữ ký ngày 12/9.")
    assert db.session.scalars(services.open_findings(admin)).all() == []
    with pytest.raises(Conflict):
        services.answer_inspection(admin, inspection, "Lần nữa")
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "inspections")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["inspection.record", "inspection.answer"]


def test_the_admin_finds_the_open_finding_on_their_home_and_answers_it(client, auth, app, province):
    auth.login("thanhtra")
    response = client.post(f"/classes/{province.klass.id}/inspections", data={
        "inspected_on": "2026-09-09", "findings": "Học viên vắng nhiều buổi không phép.",
        "recommendations": "Nhắc nhở đơn vị cử học viên.", "follow_up_due": "2026-09-30"})
    assert response.status_code == 302
    auth.logout()
    auth.login("qt.admin")
    home = client.get("/").get_data(as_text=True)
    assert "Kết luận kiểm tra chờ trả lời" in home
    assert province.klass.code in client.get(f"/classes/{province.klass.id}/inspection").get_data(as_text=True)
    with app.app_context():
        inspection_id = db.session.scalar(sa.select(Inspection.id))
    client.post(f"/admin/inspections/{inspection_id}/answer", data={"answer": "Đã gửi công văn nhắc nhở."})
    assert "Không có kết luận nào chờ trả lời." in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).answer == "Đã gửi công văn nhắc nhở."


def test_the_inspectors_changes_are_refused_and_leave_nothing(client, auth, app, province):
    auth.login("thanhtra")
    for url, data in ((f"/admin/classes/{province.klass.id}/sessions/new", {"held_on": "2026-09-02"}),
                      (f"/sessions/{province.session.id}/attendance", {f"presence-{province.alice.id}": "absent"}),
                      (f"/admin/classes/{province.klass.id}/absence-limit", {"percent": "50"})):
        assert client.post(url, data=data).status_code == 403, url
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ClassSession.id))) == 1
        assert db.session.get(TrainingClass, province.klass.id).absence_limit_percent == 20


def test_the_audit_log_is_scoped_filterable_and_exported_as_neutralised_csv(client, auth, app, province, make):
    with app.app_context():
        lecturer = db.session.get(User, province.lecturer.id)
        attendance.record_list(lecturer, db.session.get(ClassSession, province.session.id),
                               [attendance.Mark(province.alice.id, Presence.EXCUSED, "Ốm")])
        sly = make.admin("qt.phu", scope=province.province, full_name='=HYPERLINK("http://x","Bấm")')
        stranger = make.admin("ht.admin", scope=make.unit("Tỉnh ủy Khác", code="KH"))
        from lms import audit

        audit.record(db.session.get(User, stranger.id), "secret.action", object_type="tests")
        audit.record(db.session.get(User, sly.id), "session.note", object_type="tests")
        db.session.commit()
    auth.login("thanhtra")

    def entries(url: str) -> str:  # the table's rows, not the filter's list of every action
        page = client.get(url).get_data(as_text=True)
        return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""

    assert "Điểm danh buổi học" in entries("/audit?action=session")
    assert "secret.action" not in entries("/audit")
    assert "Điểm danh buổi học" not in entries("/audit?who=alice")
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert "Điểm danh buổi học" not in entries(f"/audit?since={tomorrow}")
    response = client.get("/audit.csv?action=session")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[5] for row in rows[1:]] == ["session.note", "session.attendance"]  # the code, for machines
    assert [row[4] for row in rows[1:]] == ["Thao tác khác (session.note)", "Điểm danh buổi học"]
    assert rows[1][2] == "'=HYPERLINK(\"http://x\",\"Bấm\")"  # shown as text, never run as a formula
    assert rows[2][3] == "giangvien"
    assert len(rows[2][12]) == 64
