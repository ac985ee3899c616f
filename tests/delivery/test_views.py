"""Delivery pages as admins, lecturers and trainees use them."""
import io
from datetime import date

import pytest
import sqlalchemy as sa

from lms import signals
from lms.accounts.models import TheoryLevel, User
from lms.audit import AuditEntry
from lms.delivery import files
from lms.delivery.models import (
    Attendance,
    FieldTrip,
    Nomination,
    NominationState,
    Submission,
    SubmissionStatus,
    TrainingClass,
)
from lms.extensions import db
from tests.delivery.test_trips import DOCX, PDF


@pytest.fixture
def school(make):
    province = make.unit("Tỉnh ủy")
    commune = make.unit("Đảng ủy xã Dân Hóa", parent=province)
    secretary = make.title("Bí thư Đảng ủy xã", code="XA-BT", is_key=True)
    police = make.title("Trưởng Công an xã", code="XA-TCA")
    trip_module = make.module(title="Đi thực tế nông thôn mới", kind="field_trip")
    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", titles=[secretary], modules=[trip_module],
                           required_theory_level=TheoryLevel.INTERMEDIATE)
    lecturer = make.lecturer("giangvien", full_name="Trần Văn Minh")
    klass = make.training_class(program=program, unit=province, lecturers=[lecturer], code="BTX-2026")
    make.admin("admin", scope=province)
    alice = make.user("alice", unit=commune, held=[secretary], theory_level=TheoryLevel.INTERMEDIATE,
                      full_name="Lê Thị Thu Hà")
    bob = make.user("bob", unit=commune, held=[secretary], theory_level=TheoryLevel.INTERMEDIATE,
                    full_name="Đặng Văn Hùng")
    carol = make.user("carol", unit=commune, held=[police], full_name="Dương Văn Long")
    return type("School", (), dict(province=province, commune=commune, secretary=secretary, program=program,
                                   module=trip_module, lecturer=lecturer, klass=klass, alice=alice, bob=bob,
                                   carol=carol))


@pytest.fixture
def trip(school, make):
    for user in (school.alice, school.bob):
        make.nomination(school.klass, user, NominationState.ENROLLED)
    return make.trip(school.klass)


def test_admin_opens_a_class(client, auth, school, app):
    auth.login("admin")
    page = client.get("/admin/classes/new")
    assert page.status_code == 200
    found = client.get("/pick/subjects?q=bi thu").get_json()["items"]  # the program picker's search
    assert [i["label"] for i in found] == [f"Chương trình: Bồi dưỡng Bí thư Đảng ủy xã ({school.program.code})"]
    response = client.post("/admin/classes/new", data={
        "code": "btx-online", "name": "Lớp trực tuyến", "subject": f"p{school.program.id}", "mode": "online",
        "starts_on": "2026-10-01", "ends_on": "2026-10-30", "place": "", "capacity": "40",
        "unit_id": str(school.province.id), "add_lecturer": "", "add_lecturer_q": "giangvien"})  # typed, no script
    assert response.status_code == 302
    with app.app_context():
        klass = db.session.scalar(sa.select(TrainingClass).where(TrainingClass.code == "BTX-ONLINE"))
        assert (klass.mode.value, klass.capacity) == ("online", 40)
        assert [u.username for u in klass.lecturers] == ["giangvien"]
    listing = client.get("/admin/classes").get_data(as_text=True)
    assert "BTX-ONLINE" in listing
    assert "Trực tuyến" in listing


def test_one_person_is_nominated_by_a_name_typed_and_a_refusal_keeps_them_on_the_page(client, auth, school, app):
    auth.login("admin")
    page = client.get(f"/classes/{school.klass.id}").get_data(as_text=True)
    assert 'name="trainee_id_q"' in page  # a name box, not a list of the scope
    url = f"/admin/classes/{school.klass.id}/nominate"
    refused = client.post(url, data={"trainee_id": "", "trainee_id_q": "duong van long"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Không cử được: Dương Văn Long không giữ và không được quy hoạch chức danh nào" in text
    assert 'value="Dương Văn Long (carol)"' in text  # the person stays chosen
    nobody = client.post(url, data={"trainee_id": "", "trainee_id_q": "Không Ai"})
    assert "Không tìm thấy người nào khớp với “Không Ai”" in nobody.get_data(as_text=True)
    accepted = client.post(url, data={"trainee_id": "", "trainee_id_q": "le thi thu ha"})
    assert accepted.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Nomination.trainee_id)) == school.alice.id


def test_nomination_refused_with_its_reason_then_accepted(client, auth, school, app):
    auth.login("admin")
    url = f"/admin/classes/{school.klass.id}/nominate"
    refused = client.post(url, data={"trainee_id": str(school.carol.id)}, follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert "Không cử được: Dương Văn Long không giữ và không được quy hoạch chức danh nào" in text
    accepted = client.post(url, data={"trainee_id": str(school.alice.id)}, follow_redirects=True)
    assert "Đã cử Lê Thị Thu Hà vào lớp BTX-2026." in accepted.get_data(as_text=True)
    with app.app_context():
        nomination = db.session.scalar(sa.select(Nomination))
        assert (nomination.trainee_id, nomination.state) == (school.alice.id, NominationState.NOMINATED)
        nomination_id = nomination.id
    client.post(f"/admin/nominations/{nomination_id}/state", data={"state": "approved"})
    with app.app_context():
        assert db.session.get(Nomination, nomination_id).state == NominationState.APPROVED


def test_an_admin_of_another_unit_cannot_run_the_class(client, auth, school, make, app):
    make.admin("other", scope=make.unit())
    nomination = make.nomination(school.klass, school.alice, NominationState.NOMINATED)
    auth.login("other")
    assert client.get(f"/classes/{school.klass.id}").status_code == 404
    assert client.post(f"/admin/nominations/{nomination.id}/state", data={"state": "approved"}).status_code == 403
    with app.app_context():
        assert db.session.get(Nomination, nomination.id).state == NominationState.NOMINATED


def test_trainees_see_their_classes_and_nominations(client, auth, school, trip):
    auth.login("alice")
    page = client.get("/my/classes").get_data(as_text=True)
    assert "Bồi dưỡng Bí thư Đảng ủy xã" in page
    assert "Đang học" in page
    assert "Xây dựng nông thôn mới" in page


def test_flagged_nominations_are_listed_for_the_admin(client, auth, school, make, app):
    make.nomination(school.klass, school.alice, NominationState.APPROVED)
    with app.app_context():
        alice = db.session.get(User, school.alice.id)
        assignment = alice.title_assignments[0]
        assignment.end_date = date(2025, 12, 31)
        signals.titles_changed.send(user=alice, actor=None)
        db.session.commit()
    auth.login("admin")
    page = client.get("/admin/nominations/flagged").get_data(as_text=True)
    assert "Lê Thị Thu Hà" in page
    assert "không giữ và không được quy hoạch" in page


def test_plan_is_saved_and_shown_against_actual_nominations(client, auth, school, make, app):
    make.nomination(school.klass, school.alice, NominationState.ENROLLED)
    auth.login("admin")
    response = client.post("/admin/plans/edit", data={
        "unit_id": str(school.commune.id), "year": "2026", f"quota-{school.program.id}": "5", "note": ""})
    assert response.status_code == 302
    page = client.get("/admin/plans?year=2026").get_data(as_text=True)
    assert "Đảng ủy xã Dân Hóa" in page
    assert '<td class="text-end">5</td><td class="text-end">1</td>' in page
    bad = client.post("/admin/plans/edit", data={
        "unit_id": str(school.commune.id), "year": "2026", f"quota-{school.program.id}": "-2"})
    assert "phải là số không âm" in bad.get_data(as_text=True)


def _submit(client, trip_id, body, upload=None, action="submit_report"):
    data = {"body_md": body, action: "1"}
    if upload is not None:
        data["attachments"] = (io.BytesIO(upload[1]), upload[0])
    return client.post(f"/trips/{trip_id}/report", data=data, content_type="multipart/form-data")


def test_a_trainee_submits_a_report_with_a_file_and_downloads_it(client, auth, trip, app):
    auth.login("alice")
    draft = _submit(client, trip.id, "Nháp", action="save_draft")
    assert draft.status_code == 302
    response = _submit(client, trip.id, "# Bài thu hoạch\n\nMô hình **dân vận khéo**.", ("bao-cao.pdf", PDF))
    assert response.status_code == 302
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        assert submission.status == SubmissionStatus.SUBMITTED
        file_id, stored = submission.files[0].id, submission.files[0].stored_name
        assert "bao-cao" not in stored
        assert "static" not in str(files.path_of(stored))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>dân vận khéo</strong>" in page
    download = client.get(f"/submissions/{submission.id}/files/{file_id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"


def test_a_file_of_the_wrong_type_is_refused_by_content_and_the_saved_version_kept(client, auth, trip, app):
    auth.login("alice")
    _submit(client, trip.id, "Bản một", ("bao-cao.docx", DOCX), action="save_draft")
    refused = _submit(client, trip.id, "Bản hai", ("anh.pdf", b"<html><script>alert(1)</script>"))
    assert refused.status_code == 400
    assert "không thuộc loại được nhận" in refused.get_data(as_text=True)
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        assert (submission.body_md, submission.status) == ("Bản một", SubmissionStatus.DRAFT)
        assert [f.original_name for f in submission.files] == ["bao-cao.docx"]


def test_a_file_over_the_size_limit_gets_the_friendly_413_page(client, auth, trip, app):
    auth.login("alice")
    _submit(client, trip.id, "Bản một", action="save_draft")
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        response = _submit(client, trip.id, "Bản hai", ("to.pdf", PDF + b"0" * 8192))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Submission.body_md)) == "Bản một"


def test_trainee_a_can_never_read_trainee_bs_report_or_file(client, auth, trip, school, app, make):
    auth.login("bob")
    _submit(client, trip.id, "Bài của Bob", ("bob.pdf", PDF))
    auth.logout()
    auth.login("alice")
    _submit(client, trip.id, "Bài của Alice", ("alice.pdf", PDF))
    with app.app_context():
        bobs = db.session.scalar(sa.select(Submission).where(Submission.trainee_id == school.bob.id))
        alices = db.session.scalar(sa.select(Submission).where(Submission.trainee_id == school.alice.id))
        bob_sub, bob_file = bobs.id, bobs.files[0].id
        alice_sub, alice_file = alices.id, alices.files[0].id
    assert client.get(f"/submissions/{alice_sub}").status_code == 200
    assert client.get(f"/submissions/{alice_sub}/files/{alice_file}").status_code == 200
    assert client.get(f"/submissions/{bob_sub}").status_code == 404
    assert client.get(f"/submissions/{bob_sub}/files/{bob_file}").status_code == 404
    assert client.get(f"/submissions/{alice_sub}/files/{bob_file}").status_code == 404  # guessing the file id
    for guess in range(1, max(bob_sub, alice_sub) + 3):
        if guess != alice_sub:
            assert client.get(f"/submissions/{guess}").status_code == 404
    for guess in range(1, max(bob_file, alice_file) + 3):
        if guess != alice_file:
            assert client.get(f"/submissions/{alice_sub}/files/{guess}").status_code == 404
    assert client.post(f"/submissions/{bob_sub}/consent", data={"consent": "1"}).status_code == 404
    page = client.get(f"/trips/{trip.id}").get_data(as_text=True)
    assert "Bài của Bob" not in page
    assert "bob.pdf" not in page
    # A trainee outside the class sees neither the trip nor the reports.
    auth.logout()
    auth.login("carol")
    assert client.get(f"/trips/{trip.id}").status_code == 404
    assert client.get(f"/trips/{trip.id}/report").status_code == 404


def test_the_lecturer_grades_and_the_trainee_reads_the_result(client, auth, trip, school, app):
    auth.login("alice")
    _submit(client, trip.id, "Bài thu hoạch")
    auth.logout()
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        criteria = [c.id for c in db.session.get(FieldTrip, trip.id).criteria]
    auth.login("giangvien")
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Chấm bài" in page
    response = client.post(f"/submissions/{submission.id}/grade", data={
        f"criterion-{criteria[0]}": "2", f"criterion-{criteria[1]}": "1", "feedback_md": "Bài **tốt**.",
        "grade": "1"}, follow_redirects=True)
    assert "Đã chấm: 8,3/10 điểm." in response.get_data(as_text=True)  # 83.3 % on the default 10-point scale
    auth.logout()
    auth.login("alice")
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Điểm: 8,3/10" in page
    assert "Bài <strong>tốt</strong>." in page
    assert _submit(client, trip.id, "Sửa sau khi chấm").status_code == 400


def test_another_lecturer_cannot_grade(client, auth, trip, make, app):
    make.lecturer("gv2")
    auth.login("alice")
    _submit(client, trip.id, "Bài")
    auth.logout()
    with app.app_context():
        submission_id = db.session.scalar(sa.select(Submission.id))
    auth.login("gv2")
    assert client.post(f"/submissions/{submission_id}/grade", data={"grade": "1"}).status_code == 404


def test_check_in_with_the_code_shown_on_site_as_text_and_qr(client, auth, trip, school, app):
    auth.login("giangvien")
    client.post(f"/trips/{trip.id}/check-in-code")
    page = client.get(f"/trips/{trip.id}/check-in-code").get_data(as_text=True)
    assert "<svg" in page
    with app.app_context():
        code = db.session.get(FieldTrip, trip.id).checkin_code
    assert code in page
    auth.logout()
    auth.login("alice")
    form = client.get(f"/trips/{trip.id}/check-in?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in form
    wrong = client.post(f"/trips/{trip.id}/check-in", data={"code": "abc"})
    assert "Mã điểm danh không đúng hoặc đã hết hạn" in wrong.get_data(as_text=True)
    assert client.post(f"/trips/{trip.id}/check-in", data={"code": code}).status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Attendance.trainee_id)).all() == [school.alice.id]


def test_lecturers_list_attendance(client, auth, trip, school, app):
    auth.login("giangvien")
    response = client.post(f"/trips/{trip.id}/attendance", data={"present": [str(school.alice.id)]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Attendance.trainee_id)).all() == [school.alice.id]


def test_a_graded_report_is_published_with_consent_and_read_by_classmates(client, auth, trip, school, app):
    auth.login("alice")
    client.post(f"/trips/{trip.id}/report", data={"body_md": "Mô hình hay", "consent": "y", "submit_report": "1"})
    auth.logout()
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        assert submission.exemplary_consent_at is not None
        consent = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "submission.consent"))
        assert (consent.actor_id, consent.object_id, consent.detail) == (school.alice.id, submission.id,
                                                                         {"consent": True})
        criteria = [c.id for c in db.session.get(FieldTrip, trip.id).criteria]
    auth.login("giangvien")
    client.post(f"/submissions/{submission.id}/grade",
                data={f"criterion-{criteria[0]}": "2", f"criterion-{criteria[1]}": "2", "grade": "1"})
    published = client.post(f"/submissions/{submission.id}/publish", data={"title": "Dân vận khéo ở Dân Hóa"})
    assert published.status_code == 302
    auth.logout()
    auth.login("bob")
    library = client.get(f"/modules/{school.module.id}/exemplary-reports").get_data(as_text=True)
    assert "Dân vận khéo ở Dân Hóa" in library
    report = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "Mô hình hay" in report
    auth.logout()
    auth.login("carol")
    assert client.get(f"/modules/{school.module.id}/exemplary-reports").status_code == 403
    assert client.get(published.headers["Location"]).status_code == 404


def test_class_trip_and_plan_pages_issue_a_bounded_number_of_queries(client, auth, school, trip, make, app,
                                                                     page_statements):
    unit = make.unit(parent=school.province)

    def more_people(n):
        for _ in range(n):
            user = make.user(unit=unit, held=[school.secretary], theory_level=TheoryLevel.INTERMEDIATE)
            make.nomination(school.klass, user, NominationState.ENROLLED)
        with app.app_context():
            from lms.delivery import reports

            for user in db.session.scalars(sa.select(User).where(User.unit_id == unit.id)):
                if reports.my_submission(user, db.session.get(FieldTrip, trip.id)) is None:
                    reports.save_submission(user, db.session.get(FieldTrip, trip.id), body_md="Bài", submit=True)
            db.session.commit()

    more_people(2)
    pages = {"admin": [f"/classes/{school.klass.id}", "/admin/classes", "/admin/plans?year=2026",
                       "/admin/nominations/flagged"],
             "giangvien": [f"/trips/{trip.id}", f"/classes/{school.klass.id}"],
             "alice": ["/my/classes", f"/trips/{trip.id}"]}
    before = {}
    for username, urls in pages.items():
        auth.login(username)
        for url in urls:
            before[username, url] = page_statements(url)
        auth.logout()
    more_people(8)
    for username, urls in pages.items():
        auth.login(username)
        for url in urls:
            assert page_statements(url) == before[username, url], (username, url)
        auth.logout()


def test_an_admin_of_the_trainees_scope_reads_reports_but_does_not_write_or_grade(client, auth, trip, school, make,
                                                                                 app):
    auth.login("alice")
    _submit(client, trip.id, "Bài của Alice", ("alice.pdf", PDF))
    auth.logout()
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        submission_id, file_id = submission.id, submission.files[0].id
    make.admin("xa", scope=school.commune)
    auth.login("xa")
    assert client.get(f"/submissions/{submission_id}").status_code == 200
    assert client.get(f"/submissions/{submission_id}/files/{file_id}").status_code == 200
    assert client.post(f"/submissions/{submission_id}/grade", data={"grade": "1"}).status_code == 403
    assert client.get(f"/trips/{trip.id}/report").status_code == 404
