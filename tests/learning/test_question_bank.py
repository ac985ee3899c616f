"""Writing questions in the app: each kind's rules, feedback and weights kept, order changed."""
import pytest

from lms.curriculum.models import Module
from lms.errors import InvalidInput, NotAllowed
from lms.extensions import db
from lms.learning import gift, question_bank, quizzes


@pytest.fixture
def quiz(ctx, make):
    return quizzes.get_or_create_quiz(None, db.session.get(Module, make.module("HP-Q").id))


def _rows(*rows):
    return [{"text": t, "weight": w, "feedback": f} for t, w, f in rows]


def test_each_kind_is_saved_with_its_weights_and_feedback(quiz):
    single = question_bank.save_question(None, quiz, None, kind="single", text="Bao lâu một lần?", feedback="Điều lệ.",
                                         choices=_rows(("Mỗi tháng", 100, "Đúng."), ("Mỗi năm", 0, ""), ("", 0, "")))
    multiple = question_bank.save_question(None, quiz, None, kind="multiple", text="Chọn hai.",
                                           choices=_rows(("A", 50, ""), ("B", 50, ""), ("C", -100, "Sai.")))
    true_false = question_bank.save_question(None, quiz, None, kind="true_false", text="Đúng không?",
                                             answer_true=False, false_feedback="Đúng vậy.")
    short = question_bank.save_question(None, quiz, None, kind="short", text="Viết tắt?",
                                        choices=_rows(("LLCT", None, ""), ("lý luận chính trị", 50, "")))
    def answers(question):
        return [(c.text, c.weight, c.feedback) for c in question.choices]

    assert answers(single) == [("Mỗi tháng", 1.0, "Đúng."), ("Mỗi năm", 0.0, "")]
    assert [c.weight for c in multiple.choices] == [0.5, 0.5, -1.0]
    assert answers(true_false) == [("true", 0.0, ""), ("false", 1.0, "Đúng vậy.")]
    assert [c.weight for c in short.choices] == [1.0, 0.5]
    assert [q.position for q in quiz.questions] == [1, 2, 3, 4]
    assert gift.parse(gift.dump(quiz.questions))[1] == []  # what the editor writes exports as valid GIFT


@pytest.mark.parametrize(("kind", "rows", "message"), [
    ("single", [("A", 50, ""), ("B", 0, "")], "Câu một lựa chọn cần đúng một phương án 100%."),
    ("single", [("A", 100, "")], "Câu trắc nghiệm cần ít nhất hai phương án."),
    ("multiple", [("A", 50, ""), ("B", 40, ""), ("C", 0, "")],
     "Câu nhiều lựa chọn cần ít nhất hai phương án đúng, trọng số cộng lại 100%."),
    ("short", [], "Hãy ghi ít nhất một câu trả lời được chấp nhận."),
])
def test_a_question_that_cannot_be_scored_is_refused_with_the_reason(quiz, kind, rows, message):
    with pytest.raises(InvalidInput) as bad:
        question_bank.save_question(None, quiz, None, kind=kind, text="Câu hỏi", choices=_rows(*rows))
    assert message in bad.value.problems
    assert quiz.questions == []


def test_editing_keeps_answer_rows_and_moving_swaps_neighbours(quiz, make):
    first = question_bank.save_question(None, quiz, None, kind="single", text="Một",
                                        choices=_rows(("A", 100, ""), ("B", 0, "")))
    second = question_bank.save_question(None, quiz, None, kind="true_false", text="Hai", answer_true=True)
    kept = first.choices[0].id
    question_bank.save_question(None, quiz, first, kind="single", text="Một (sửa)",
                                choices=_rows(("A đã sửa", 100, ""), ("B", 0, ""), ("C", 0, "")))
    assert first.choices[0].id == kept
    assert len(first.choices) == 3
    question_bank.move_question(None, second, -1)
    db.session.expire(quiz)
    assert [q.text for q in quiz.questions] == ["Hai", "Một (sửa)"]
    with pytest.raises(NotAllowed):
        question_bank.save_question(make.user("hv"), quiz, None, kind="true_false", text="X", answer_true=True)
