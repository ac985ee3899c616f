"""Field trips: rubric, attendance by list or code, reports with checked attachments, grading, signals,
exemplary reports."""
import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import signals
from lms.accounts.models import User
from lms.db import utcnow
from lms.delivery import checkin, files, reports, trips
from lms.delivery.models import (
    Attendance,
    AttendanceMethod,
    FieldTrip,
    NominationState,
    Submission,
    SubmissionStatus,
    TrainingClass,
)
from lms.errors import Conflict, InvalidInput, NotAllowed, NotFound
from lms.extensions import db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({
    "[Content_Types].xml": b'<Types><Override PartName="/word/document.xml" ContentType="'
                           b'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    "word/document.xml": b"<w:document/>",
})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"})


@pytest.fixture
def trip_world(ctx, make):
    unit = make.unit()
    lecturer = make.lecturer("giangvien")
    klass = make.training_class(unit=unit, lecturers=[lecturer])
    alice = make.user("alice", unit=unit)
    bob = make.user("bob", unit=unit)
    for user in (alice, bob):
        make.nomination(klass, user, NominationState.ENROLLED)
    trip = make.trip(klass)
    return type("W", (), dict(unit=unit, lecturer=lecturer, klass=db.session.get(TrainingClass, klass.id),
                              alice=alice, bob=bob, trip=db.session.get(FieldTrip, trip.id)))


def test_file_types_are_recognised_by_content_not_by_name():
    assert files.sniff(PDF).label == "PDF"
    assert files.sniff(PNG).label == "PNG"
    assert files.sniff(JPEG).label == "JPEG"
    assert files.sniff(DOCX).label == "DOCX"
    assert files.sniff(ODT).label == "ODT"
    assert files.sniff(b"<html><script>alert(1)</script>") is None
    assert files.sniff(b"MZ\x90\x00 an executable") is None
    assert files.sniff(zipped({"evil.exe": b"MZ"})) is None  # a zip that is no document
    assert files.sniff(zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})) is None


def test_rubric_lines_are_parsed_with_clear_reasons():
    criteria = trips.parse_rubric("Nội dung | 2 | Chưa đạt | Đạt | Tốt\nTrình bày | 1 | Yếu | Khá")
    assert [(c.name, c.weight, c.levels) for c in criteria] == [
        ("Nội dung", 2, ["Chưa đạt", "Đạt", "Tốt"]), ("Trình bày", 1, ["Yếu", "Khá"])]
    with pytest.raises(InvalidInput) as bad:
        trips.parse_rubric("Nội dung | hai | A | B\nTrình bày | 1 | Yếu")
    assert bad.value.problems == ["Dòng 1: trọng số phải là số nguyên dương.",
                                  "Dòng 2: cần tên tiêu chí, trọng số và ít nhất hai mức."]


def test_only_the_class_lecturer_sets_a_trip(trip_world, make):
    other = db.session.get(User, make.lecturer().id)
    lecturer = db.session.get(User, trip_world.lecturer.id)
    fields = dict(module=trip_world.klass.module, topic="Chuyển đổi số", site="UBND xã",
                  starts_on=datetime(2026, 10, 1).date(),
                  ends_on=datetime(2026, 10, 2).date(), instructions_md="**Ghi chép** <script>x</script>",
                  deadline=datetime(2026, 10, 20), criteria=trips.parse_rubric("Nội dung | 1 | Chưa đạt | Đạt"))
    with pytest.raises(NotAllowed):
        trips.save_trip(other, trip_world.klass, None, **fields)
    trip = trips.save_trip(lecturer, trip_world.klass, None, **fields)
    assert "<strong>Ghi chép</strong>" in trip.instructions_html
    assert "<script" not in trip.instructions_html
    assert [c.levels for c in trip.criteria] == [["Chưa đạt", "Đạt"]]


def test_attendance_by_the_lecturers_list(trip_world):
    lecturer = db.session.get(User, trip_world.lecturer.id)
    alice = db.session.get(User, trip_world.alice.id)
    assert trips.record_attendance(lecturer, trip_world.trip, [alice]) == 1
    assert trips.record_attendance(lecturer, trip_world.trip, [alice]) == 0
    row = db.session.scalar(sa.select(Attendance))
    assert (row.trainee_id, row.method) == (alice.id, AttendanceMethod.LIST)


def test_check_in_with_the_short_lived_code(trip_world, make, monkeypatch):
    lecturer = db.session.get(User, trip_world.lecturer.id)
    alice = db.session.get(User, trip_world.alice.id)
    outsider = db.session.get(User, make.user().id)
    code = trips.open_checkin(lecturer, trip_world.trip)
    assert len(code) == 6
    with pytest.raises(InvalidInput):
        trips.check_in(alice, trip_world.trip, "000000" if code != "000000" else "111111")
    with pytest.raises(NotAllowed):
        trips.check_in(outsider, trip_world.trip, code)
    with pytest.raises(InvalidInput):
        trips.check_in(alice, trip_world.trip, code, now=utcnow() + timedelta(minutes=trips.CHECKIN_MINUTES + 1))
    attendance = trips.check_in(alice, trip_world.trip, f" {code} ")
    assert attendance.method == AttendanceMethod.CODE
    monkeypatch.setattr(checkin.secrets, "randbelow", lambda _n: 424242 if code != "424242" else 434343)
    trips.open_checkin(lecturer, trip_world.trip)
    with pytest.raises(InvalidInput):  # a new code replaces the old one
        trips.check_in(db.session.get(User, trip_world.bob.id), trip_world.trip, code)


def test_qr_code_is_drawn_as_inline_svg():
    svg = trips.qr_svg("http://localhost/trips/1/check-in?code=123456")
    assert svg.startswith("<svg")
    assert "<path" in svg
    assert "<script" not in svg


def test_a_draft_is_saved_then_submitted_and_late_is_flagged(trip_world):
    alice = db.session.get(User, trip_world.alice.id)
    draft = reports.save_submission(alice, trip_world.trip, body_md="# Thu hoạch\n<img src=x onerror=alert(1)>")
    assert draft.status == SubmissionStatus.DRAFT
    assert "<h1>Thu hoạch</h1>" in draft.body_html
    assert "onerror" not in draft.body_html
    trip_world.trip.deadline = utcnow() - timedelta(hours=1)
    submitted = reports.save_submission(alice, trip_world.trip, body_md="Nội dung", submit=True)
    assert (submitted.id, submitted.status, submitted.late) == (draft.id, SubmissionStatus.SUBMITTED, True)


def test_only_participants_submit(trip_world, make):
    with pytest.raises(NotAllowed):
        reports.save_submission(db.session.get(User, make.user().id), trip_world.trip, body_md="x", submit=True)


def test_a_bad_file_leaves_the_previous_saved_version_intact(trip_world):
    alice = db.session.get(User, trip_world.alice.id)
    saved = reports.save_submission(alice, trip_world.trip, body_md="Bản một",
                                  uploads=[reports.Upload("bao-cao.pdf", PDF)])
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        reports.save_submission(alice, trip_world.trip, body_md="Bản hai",
                              uploads=[reports.Upload("anh.png", PNG), reports.Upload("trang.pdf", b"<html>")])
    assert "trang.pdf" in refused.value.problems[0]
    db.session.rollback()
    submission = db.session.get(Submission, saved.id)
    assert submission.body_md == "Bản một"
    assert [f.original_name for f in submission.files] == ["bao-cao.pdf"]
    assert files.path_of(submission.files[0].stored_name).read_bytes() == PDF


def test_a_crash_after_the_new_file_is_written_leaves_the_previous_version_intact(trip_world, monkeypatch):
    alice = db.session.get(User, trip_world.alice.id)
    saved = reports.save_submission(alice, trip_world.trip, body_md="Bản một",
                                  uploads=[reports.Upload("bao-cao.pdf", PDF)])
    db.session.commit()
    old_file = saved.files[0]

    def crash(_text):
        raise RuntimeError("the server died mid-request")

    monkeypatch.setattr(reports.markup, "render_markdown", crash)
    stored_before = {p.name for p in files.folder().iterdir()}
    with pytest.raises(RuntimeError):
        reports.save_submission(alice, trip_world.trip, body_md="Bản hai", uploads=[reports.Upload("moi.docx", DOCX)],
                              remove_file_ids=[old_file.id])
    db.session.rollback()
    submission = db.session.get(Submission, saved.id)
    assert submission.body_md == "Bản một"
    assert [f.stored_name for f in submission.files] == [old_file.stored_name]
    assert files.path_of(old_file.stored_name).read_bytes() == PDF
    # The file written before the crash is not left behind.
    assert {p.name for p in files.folder().iterdir()} == stored_before


def test_replacing_a_file_deletes_the_old_one_only_after_commit(trip_world):
    alice = db.session.get(User, trip_world.alice.id)
    saved = reports.save_submission(alice, trip_world.trip, body_md="", uploads=[reports.Upload("a.pdf", PDF)])
    db.session.commit()
    old_path = files.path_of(saved.files[0].stored_name)
    reports.save_submission(alice, trip_world.trip, body_md="", uploads=[reports.Upload("b.odt", ODT)],
                          remove_file_ids=[saved.files[0].id])
    assert old_path.exists()
    db.session.commit()
    assert not old_path.exists()
    stored = db.session.get(Submission, saved.id).files
    assert [(f.original_name, f.content_type) for f in stored] == [("b.odt", files.ODT)]
    assert Path(files.folder()).parent.name != "static"


def grade_points(trip, *levels):
    return {c.id: level for c, level in zip(trip.criteria, levels, strict=True)}


def test_grading_scores_each_criterion_and_sends_the_signal(trip_world):
    alice = db.session.get(User, trip_world.alice.id)
    lecturer = db.session.get(User, trip_world.lecturer.id)
    submission = reports.save_submission(alice, trip_world.trip, body_md="Bài", submit=True)
    received = []

    def receiver(_sender=None, **kwargs):
        received.append(kwargs)

    signals.assignment_graded.connect(receiver)
    try:
        with pytest.raises(InvalidInput):
            reports.grade(lecturer, submission, points={}, feedback_md="")
        reports.grade(lecturer, submission, points=grade_points(trip_world.trip, 2, 1), feedback_md="**Tốt**")
    finally:
        signals.assignment_graded.disconnect(receiver)
    # (2 * 2/2 + 1 * 1/2) / 3 = 83.3
    assert (submission.status, submission.score, submission.passed) == (SubmissionStatus.GRADED, 83.3, True)
    assert submission.feedback_html == "<p><strong>Tốt</strong></p>"
    assert len(received) == 1
    assert received[0]["user"].id == alice.id
    assert received[0]["module"].id == trip_world.trip.module_id
    assert (received[0]["passed"], received[0]["score"], received[0]["actor"].id) == (True, 83.3, lecturer.id)
    with pytest.raises(Conflict):
        reports.save_submission(alice, trip_world.trip, body_md="Sửa sau khi chấm", submit=True)


def test_a_returned_report_can_be_revised_and_resubmitted(trip_world):
    alice = db.session.get(User, trip_world.alice.id)
    lecturer = db.session.get(User, trip_world.lecturer.id)
    submission = reports.save_submission(alice, trip_world.trip, body_md="Bài", submit=True)
    reports.grade(lecturer, submission, points={}, feedback_md="Bổ sung số liệu", return_for_revision=True)
    assert submission.status == SubmissionStatus.RETURNED
    reports.save_submission(alice, trip_world.trip, body_md="Bài có số liệu")
    assert submission.status == SubmissionStatus.RETURNED
    reports.save_submission(alice, trip_world.trip, body_md="Bài có số liệu", submit=True)
    assert submission.status == SubmissionStatus.SUBMITTED
    reports.grade(lecturer, submission, points=grade_points(trip_world.trip, 0, 0), feedback_md="")
    assert (submission.score, submission.passed) == (0.0, False)


def test_only_the_class_lecturer_grades(trip_world, make):
    alice = db.session.get(User, trip_world.alice.id)
    submission = reports.save_submission(alice, trip_world.trip, body_md="Bài", submit=True)
    with pytest.raises(NotAllowed):
        reports.grade(db.session.get(User, make.lecturer().id), submission,
                    points=grade_points(trip_world.trip, 1, 1), feedback_md="")


def test_who_may_read_a_submission(trip_world, make):
    alice = db.session.get(User, trip_world.alice.id)
    bob = db.session.get(User, trip_world.bob.id)
    submission = reports.save_submission(alice, trip_world.trip, body_md="Bài", uploads=[reports.Upload("a.pdf", PDF)])
    scoped_admin = db.session.get(User, make.admin(scope=trip_world.unit).id)
    other_admin = db.session.get(User, make.admin().id)
    assert reports.submission_for_reader(alice, submission.id) is submission
    assert reports.submission_for_reader(db.session.get(User, trip_world.lecturer.id), submission.id) is submission
    assert reports.submission_for_reader(scoped_admin, submission.id) is submission
    for stranger in (bob, other_admin, db.session.get(User, make.lecturer().id)):
        with pytest.raises(NotFound):
            reports.submission_for_reader(stranger, submission.id)
        with pytest.raises(NotFound):
            reports.file_for_reader(stranger, submission.id, submission.files[0].id)
    bobs = reports.save_submission(bob, trip_world.trip, body_md="Bài của Bob")
    with pytest.raises(NotFound):  # Alice's own submission id with Bob's file id
        reports.file_for_reader(alice, bobs.id, submission.files[0].id)


def test_exemplary_reports_need_a_grade_and_the_trainees_consent(trip_world, make):
    alice = db.session.get(User, trip_world.alice.id)
    lecturer = db.session.get(User, trip_world.lecturer.id)
    submission = reports.save_submission(alice, trip_world.trip, body_md="Mô hình hay", submit=True)
    with pytest.raises(Conflict):
        reports.publish_exemplary(lecturer, submission, "Mô hình")
    reports.grade(lecturer, submission, points=grade_points(trip_world.trip, 2, 2), feedback_md="")
    with pytest.raises(Conflict) as no_consent:
        reports.publish_exemplary(lecturer, submission, "Mô hình")
    assert "chưa đồng ý" in no_consent.value.message
    reports.set_consent(alice, submission, True)
    report = reports.publish_exemplary(lecturer, submission, "Mô hình dân vận khéo")
    module = trip_world.trip.module
    assert [r.id for r in reports.library(db.session.get(User, trip_world.bob.id), module)] == [report.id]
    with pytest.raises(NotAllowed):
        reports.library(db.session.get(User, make.user().id), module)
    reports.set_consent(alice, submission, False)
    assert reports.library(alice, module) == []


def test_guessing_check_in_codes_stops_after_a_few_tries(trip_world):
    lecturer = db.session.get(User, trip_world.lecturer.id)
    alice = db.session.get(User, trip_world.alice.id)
    code = trips.open_checkin(lecturer, trip_world.trip)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(trips.CHECKIN_MAX_FAILURES):
        with pytest.raises(InvalidInput):
            trips.check_in(alice, trip_world.trip, wrong)
    with pytest.raises(InvalidInput) as locked:
        trips.check_in(alice, trip_world.trip, code)
    assert "sai mã quá nhiều lần" in locked.value.message
    bob = db.session.get(User, trip_world.bob.id)
    assert trips.check_in(bob, trip_world.trip, code).trainee_id == bob.id


def test_grades_reach_the_trainees_module_completion_and_a_return_is_not_a_grade(trip_world, make):
    """Grading through the real services: learning records the pass; a return neither fails nor erases it."""
    from lms.learning.models import LearningEvent, ModuleStatus

    alice = db.session.get(User, trip_world.alice.id)
    lecturer = db.session.get(User, trip_world.lecturer.id)
    module_id = trip_world.trip.module_id

    def assignment_state():
        status = db.session.scalar(sa.select(ModuleStatus).where(
            ModuleStatus.user_id == alice.id, ModuleStatus.module_id == module_id))
        verbs = db.session.scalars(sa.select(LearningEvent.verb).where(
            LearningEvent.user_id == alice.id, LearningEvent.object_type == "assignment")).all()
        return (status.assignment_passed_at is not None if status else False), verbs

    submission = reports.save_submission(alice, trip_world.trip, body_md="Bài", submit=True)
    reports.grade(lecturer, submission, points={}, feedback_md="Bổ sung số liệu", return_for_revision=True)
    assert assignment_state() == (False, [])
    reports.save_submission(alice, trip_world.trip, body_md="Bài có số liệu", submit=True)
    reports.grade(lecturer, submission, points=grade_points(trip_world.trip, 2, 1), feedback_md="Tốt")
    assert assignment_state() == (True, ["passed"])
    # A failed grade on another trip of the same module does not take the pass back.
    other_trip = db.session.get(FieldTrip, make.trip(trip_world.klass, module=trip_world.trip.module).id)
    other = reports.save_submission(alice, other_trip, body_md="Bài thứ hai", submit=True)
    reports.grade(lecturer, other, points=grade_points(other_trip, 0, 0), feedback_md="Chưa đạt")
    assert assignment_state() == (True, ["passed", "failed"])
