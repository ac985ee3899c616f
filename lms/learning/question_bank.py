"""Writing a quiz's questions in the app: the four kinds with feedback and weights, and their order."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import audit
from lms.accounts.models import User
from lms.errors import InvalidInput
from lms.extensions import db
from lms.learning.models import QuestionKind, Quiz, QuizChoice, QuizQuestion
from lms.learning.quizzes import ensure_author
from lms.text import clean_name


def _choices(kind: QuestionKind, rows, answer_true, true_feedback: str, false_feedback: str) -> tuple[list, list]:
    """(text, weight 0..1, feedback) for each answer, and the problems found."""
    problems = []
    if kind == QuestionKind.TRUE_FALSE:
        if answer_true is None:
            return [], [_("Hãy chọn đáp án đúng: Đúng hoặc Sai.")]
        return [("true", 1.0 if answer_true else 0.0, true_feedback.strip()),
                ("false", 0.0 if answer_true else 1.0, false_feedback.strip())], []
    kept = []
    for n, row in enumerate(rows, start=1):
        text = (row.get("text") or "").strip()
        weight = row.get("weight")
        if not text:
            continue
        if kind == QuestionKind.SHORT and weight is None:
            weight = 100
        if weight is None:
            weight = 0
        if not -100 <= weight <= 100:
            problems.append(_("Đáp án %(n)d: trọng số phải từ -100 đến 100%%.", n=n))
        kept.append((text, round(weight / 100, 4), (row.get("feedback") or "").strip()))
    positive = [w for _t, w, _f in kept if w > 0]
    if kind == QuestionKind.SHORT:
        if not kept:
            problems.append(_("Hãy ghi ít nhất một câu trả lời được chấp nhận."))
        elif not positive:
            problems.append(_("Cần ít nhất một câu trả lời được điểm."))
        return kept, problems
    if len(kept) < 2:
        problems.append(_("Câu trắc nghiệm cần ít nhất hai phương án."))
    if kind == QuestionKind.SINGLE and sum(1 for w in positive if w == 1.0) != 1:
        problems.append(_("Câu một lựa chọn cần đúng một phương án 100%."))
    if kind == QuestionKind.MULTIPLE and (len(positive) < 2 or abs(sum(positive) - 1.0) > 0.011):
        problems.append(_("Câu nhiều lựa chọn cần ít nhất hai phương án đúng, trọng số cộng lại 100%."))
    return kept, problems


def save_question(actor: User | None, quiz: Quiz, question: QuizQuestion | None, *, kind: QuestionKind | str,
                  text: str, title: str = "", feedback: str = "", choices=(), answer_true: bool | None = None,
                  true_feedback: str = "", false_feedback: str = "") -> QuizQuestion:
    """Create or change a question. `choices`: [{text, weight (percent), feedback}] for single, multiple and
    short answer; a true/false question takes `answer_true` and the feedback for each answer instead."""
    ensure_author(actor)
    kind = QuestionKind(kind)
    text = (text or "").replace("\r\n", "\n").strip()
    problems = [] if text else [_("Câu hỏi cần có nội dung.")]
    rows, found = _choices(kind, list(choices), answer_true, true_feedback or "", false_feedback or "")
    problems += found
    if problems:
        raise InvalidInput(_("Câu hỏi chưa đúng."), problems)
    created = question is None
    if created:
        position = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(QuizQuestion.position), 0))
                                     .where(QuizQuestion.quiz_id == quiz.id)) + 1
        question = QuizQuestion(quiz_id=quiz.id, position=position, kind=kind)
        db.session.add(question)
    question.kind, question.text = kind, text
    question.title, question.feedback = clean_name(title)[:255], (feedback or "").strip()
    # Answers keep their rows where they can, so earlier attempts still find the choices they showed.
    existing = list(question.choices)
    kept = []
    for i, (choice_text, weight, choice_feedback) in enumerate(rows):
        choice = existing[i] if i < len(existing) else QuizChoice()
        choice.position, choice.text, choice.weight, choice.feedback = i, choice_text, weight, choice_feedback
        kept.append(choice)
    question.choices = kept
    db.session.flush()
    audit.record(actor, "quiz.add_question" if created else "quiz.edit_question", quiz, question_id=question.id,
                 kind=str(kind))
    return question


def move_question(actor: User | None, question: QuizQuestion, step: int) -> None:
    """Swap a question with the one before (step -1) or after (step 1) it."""
    ensure_author(actor)
    questions = list(question.quiz.questions)
    i = questions.index(question)
    j = i + (1 if step > 0 else -1)
    if not 0 <= j < len(questions):
        return
    other = questions[j]
    question.position, other.position = other.position, question.position
    if question.position == other.position:  # imported banks may repeat positions: renumber all
        questions[i], questions[j] = questions[j], questions[i]
        for n, q in enumerate(questions, start=1):
            q.position = n
    db.session.flush()
    audit.record(actor, "quiz.move_question", question.quiz, question_id=question.id, step=step)
