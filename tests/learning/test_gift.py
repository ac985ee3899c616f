"""Importing Moodle GIFT question banks: the common syntax, and errors reported by line with nothing imported."""
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.errors import InvalidInput
from lms.extensions import db
from lms.learning import gift, quizzes
from lms.learning.models import QuestionKind, QuizQuestion

DATA = Path(__file__).parent / "data"


@pytest.fixture
def req(app):
    """Messages are translated, which needs a request (as in the lecturer's upload)."""
    with app.test_request_context():
        yield


def test_a_vietnamese_question_bank_parses_completely(req):
    questions, problems = gift.parse((DATA / "llct_boi_duong_bi_thu_xa.gift").read_text(encoding="utf-8"))
    assert problems == []
    assert [q.kind for q in questions] == [
        QuestionKind.SINGLE, QuestionKind.TRUE_FALSE, QuestionKind.TRUE_FALSE, QuestionKind.MULTIPLE,
        QuestionKind.SHORT, QuestionKind.SHORT, QuestionKind.SINGLE,
    ]
    first = questions[0]
    assert first.title == "NQ32-01 Ngày ban hành"
    assert first.category == "Nghị quyết 32/Đổi mới đào tạo LLCT"
    assert first.text.startswith("Nghị quyết 32-NQ/TW của Bộ Chính trị")
    assert [(c.text, c.weight) for c in first.choices] == [
        ("26/5/2014", 1.0), ("1/2/2013", 0.0), ("10/5/2024", 0.0), ("12/4/2025", 0.0)]
    assert first.choices[1].feedback == "Đó là ngày ban hành Quy định 164-QĐ/TW."
    assert first.feedback == "Xem lại phần I của Nghị quyết."
    true_false = questions[1]
    assert [(c.text, c.weight, c.feedback) for c in true_false.choices] == [
        ("true", 1.0, "Chính xác."), ("false", 0.0, "Chưa đúng: Nghị quyết nhấn mạnh bồi dưỡng theo chức danh.")]
    assert [c.weight for c in questions[2].choices] == [0.0, 1.0]
    assert [c.weight for c in questions[3].choices] == [0.5, 0.5, -1.0]
    assert questions[4].category == "Chính quyền địa phương hai cấp"
    assert [c.text for c in questions[4].choices] == ["34", "ba mươi tư", "ba mươi bốn"]
    assert "{QĐ} và dấu : cho đúng:" in questions[5].text
    assert [c.weight for c in questions[6].choices] == [1.0, 0.5, 0.0]


def test_unsupported_kinds_and_syntax_errors_are_reported_by_line(req):
    questions, problems = gift.parse((DATA / "loi.gift").read_text(encoding="utf-8"))
    assert len(questions) == 1
    assert [p.line for p in problems] == [4, 6, 11, 13]
    messages = [str(p) for p in problems]
    assert "Dòng 4: Câu hỏi dạng số" in messages[0]
    assert "ghép đôi" in messages[1]
    assert "tự luận" in messages[2]
    assert "Dòng 13: Thiếu dấu }" in messages[3]


@pytest.mark.parametrize(("source", "message"), [
    ("Câu không có đáp án.", "Thiếu phần đáp án"),
    ("::Tiêu đề chưa đóng Câu hỏi {T}", "thiếu dấu ::"),
    ("Chọn đáp án đúng {=A =B ~C}", "chỉ được có một đáp án ="),
    ("Chọn {~A ~B}", "Không có đáp án đúng"),
    ("Chọn {=A ~%150%B}", "ngoài khoảng"),
    ("", "không có câu hỏi"),
])
def test_malformed_questions(req, source, message):
    _questions, problems = gift.parse(source)
    assert len(problems) == 1
    assert message in problems[0].message


def test_import_is_all_or_nothing(req, make):
    module = make.learning_module()
    quiz = quizzes.get_or_create_quiz(None, module)
    with pytest.raises(InvalidInput) as refused:
        quizzes.import_gift(None, quiz, (DATA / "loi.gift").read_text(encoding="utf-8"))
    assert len(refused.value.problems) == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizQuestion)) == 0
    added = quizzes.import_gift(None, quiz, (DATA / "llct_boi_duong_bi_thu_xa.gift").read_text(encoding="utf-8"))
    assert added == 7
    db.session.refresh(quiz)
    assert [q.position for q in quiz.questions] == list(range(1, 8))


def test_only_lecturers_and_admins_author(req, make):
    from lms.accounts.models import User
    from lms.errors import NotAllowed

    module = make.learning_module()
    trainee = db.session.get(User, make.user().id)
    with pytest.raises(NotAllowed):
        quizzes.get_or_create_quiz(trainee, module)
