"""Grading scales: each program shows quiz scores, rubric grades and grade sheets on 10 or 100 points,
with the reader's decimal separator, and grade sheets hold numbers."""
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from lms.accounts.models import User
from lms.delivery.models import FieldTrip, NominationState, Submission
from lms.extensions import db
from lms.grading import GradeScale, format_grade, on_scale

# A rubric whose first criterion carries 17 of 20 weight points: "Đạt" there and "Chưa đạt" on the other is 85 %.
RUBRIC = [("Nội dung, số liệu", 17, ["Chưa đạt", "Đạt"]), ("Trình bày", 3, ["Chưa đạt", "Đạt"])]
# One question whose answers weigh 85 % and 15 %: choosing the first scores 85 %.
BANK = "::Trọng số::Chọn một phương án {~%85%Phương án nặng ~%15%Phương án nhẹ}"


def test_scores_convert_to_the_scale_rounding_half_up(app):
    assert on_scale(85, GradeScale.TEN) == Decimal("8.5")
    assert on_scale(87.5, GradeScale.TEN) == Decimal("8.8")
    assert on_scale(87.5, GradeScale.HUNDRED) == Decimal("87.5")
    assert on_scale(None) is None
    with app.test_request_context():
        assert format_grade(85) == "8,5"
        assert format_grade(90) == "9,0"
        assert format_grade(85, GradeScale.HUNDRED) == "85"
        with force_locale("en"):
            assert format_grade(85) == "8.5"


@pytest.fixture
def graded_class(make):
    def build(scale=None):
        province = make.unit("Tỉnh ủy")
        secretary = make.title("Bí thư Đảng ủy xã", code="XA-BT")
        module = make.module(title="Đi thực tế", kind="field_trip")
        program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", titles=[secretary], modules=[module],
                               grade_scale=scale)
        lecturer = make.lecturer("giangvien")
        klass = make.training_class(program=program, unit=province, lecturers=[lecturer])
        trainee = make.user("hocvien", unit=province, held=[secretary], full_name="Lê Thị Thu Hà")
        make.nomination(klass, trainee, NominationState.ENROLLED)
        return make.trip(klass, criteria=RUBRIC)
    return build


def _graded_report(app, client, auth, trip) -> int:
    auth.login("hocvien")
    client.post(f"/trips/{trip.id}/report", data={"body_md": "Bài thu hoạch", "submit_report": "1"})
    auth.logout()
    with app.app_context():
        submission_id = db.session.scalar(sa.select(Submission.id))
        first, second = (c.id for c in db.session.get(FieldTrip, trip.id).criteria)
    auth.login("giangvien")
    client.post(f"/submissions/{submission_id}/grade",
                data={f"criterion-{first}": "1", f"criterion-{second}": "0", "grade": "1"})
    return submission_id


def test_a_rubric_grade_reads_8_5_in_vietnamese_and_8_5_as_a_number_in_xlsx(app, client, auth, graded_class):
    from openpyxl import load_workbook

    trip = graded_class()
    submission_id = _graded_report(app, client, auth, trip)
    assert "8,5" in client.get(f"/trips/{trip.id}").text
    sheet = client.get(f"/dashboards/trips/{trip.id}/grades.xlsx")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0][3] == "Điểm (thang 10)"
    assert rows[1][0] == "Lê Thị Thu Hà"
    assert rows[1][3] == 8.5
    assert isinstance(rows[1][3], float)
    # The plain CSV writes the number as the XLSX cell holds it; the CSV for Excel in Vietnamese, with a comma.
    csv_text = client.get(f"/dashboards/trips/{trip.id}/grades.csv").data.decode("utf-8-sig")
    assert ",8.5," in csv_text
    excel_vi = client.get(f"/dashboards/trips/{trip.id}/grades.csv-vi").data.decode("utf-8-sig")
    assert ";8,5;" in excel_vi
    auth.logout()
    auth.login("hocvien")
    page = client.get(f"/submissions/{submission_id}").text
    assert "Điểm: 8,5/10" in page
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.username == "hocvien")).locale = "en"
        db.session.commit()
    assert "8.5/10" in client.get(f"/submissions/{submission_id}").text


def test_a_program_on_the_100_point_scale_shows_its_grades_on_100(app, client, auth, graded_class):
    trip = graded_class(scale="100")
    submission_id = _graded_report(app, client, auth, trip)
    auth.logout()
    auth.login("hocvien")
    assert "Điểm: 85/100" in client.get(f"/submissions/{submission_id}").text


def test_a_quiz_score_reads_8_5_on_vietnamese_pages_and_8_5_as_a_number_in_xlsx(app, client, auth, make):
    from openpyxl import load_workbook

    from lms.curriculum.models import Module
    from lms.learning import quizzes
    from lms.learning.models import QuizAttempt

    module = make.learning_module(title="Kết luận 21-KL/TW")
    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", modules=[module])
    klass = make.training_class(program=program, unit=make.unit("Tỉnh ủy"), lecturers=[make.lecturer("giangvien")])
    with app.test_request_context():
        quizzes.import_gift(None, quizzes.get_or_create_quiz(None, db.session.get(Module, module.id)), BANK)
        db.session.commit()
    make.nomination(klass, make.user("hocvien", full_name="Lê Thị Thu Hà"), NominationState.ENROLLED)
    auth.login("hocvien")
    started = client.post(f"/learning/modules/{module.id}/quiz/start")
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        question = attempt.quiz.questions[0]
        heavy = next(c for c in question.choices if c.weight == 0.85)
        token = {c: t for item in attempt.layout for c, t in zip(item["c"], item["t"], strict=True)}[heavy.id]
    client.post(f"/learning/attempts/{attempt_id}", data={f"q{question.id}": [token]})
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).score_percent == 85.0
    assert "Điểm: 8,5/10" in client.get(f"/learning/attempts/{attempt_id}/result").text
    assert "8,5/10" in client.get(f"/learning/modules/{module.id}/quiz").text
    auth.logout()
    auth.login("giangvien")
    sheet = client.get(f"/dashboards/classes/{klass.id}/quiz-results.xlsx")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0][4] == "Điểm cao nhất (thang 10)"
    assert rows[1][0] == "Lê Thị Thu Hà"
    assert (rows[1][3], rows[1][4]) == (1, 8.5)
