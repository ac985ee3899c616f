"""Quizzes: authoring (settings, GIFT import), attempts with a per-attempt shuffled layout, grading.

An attempt's form never shows database ids: each option is named by a random token drawn for that attempt
and kept in its layout, so neither the order of the bank nor the values of another attempt tell the answer.

A quiz may have a window (opens_at, closes_at; UTC, either may be empty). No attempt starts outside it. An
attempt started inside it ends at its own deadline (the time limit) or at the closing time, whichever comes
first (`QuizAttempt.ends_at`): the window closes for everyone at once, and a trainee who starts five minutes
before closing gets five minutes, not the whole time limit. The same short grace as for the time limit
applies, and answers sent later are not counted, as after a time limit.
"""
from __future__ import annotations

import random
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.accounts.models import Role, User
from lms.curriculum.models import Lesson, Module
from lms.dates import CLASS_DATES
from lms.db import utcnow
from lms.errors import Conflict, InvalidInput, NotAllowed, NotFound
from lms.extensions import db
from lms.formats import local_datetime
from lms.learning import gift
from lms.learning.models import QuestionKind, Quiz, QuizAttempt, QuizChoice, QuizQuestion
from lms.learning.services import complete_lesson, record_event, record_quiz_passed
from lms.text import clean_name

# Answers that arrive this long after the deadline still count (network latency on slow intranets).
GRACE_SECONDS = 30
_random = random.SystemRandom()


def ensure_author(actor: User | None) -> None:
    """Lecturers and admins author quizzes; None is the command line."""
    if actor is not None and not actor.has_role(Role.LECTURER, Role.ADMIN):
        raise NotAllowed(_("Chỉ giảng viên hoặc quản trị mới soạn được bài kiểm tra."))


def quiz_for(module_id: int) -> Quiz | None:
    return db.session.scalars(sa.select(Quiz).where(Quiz.module_id == module_id)).one_or_none()


def get_or_create_quiz(actor: User | None, module: Module) -> Quiz:
    ensure_author(actor)
    quiz = quiz_for(module.id)
    if quiz is None:
        title = module.published.title if module.published else module.code
        quiz = Quiz(module_id=module.id, title=_("Kiểm tra: %(title)s", title=title)[:255])
        db.session.add(quiz)
        db.session.flush()
    return quiz


def check_window(opens_at: datetime | None, closes_at: datetime | None) -> None:
    """InvalidInput when a window's times are out of range or it closes before it opens."""
    CLASS_DATES.check(opens_at, _("Thời điểm mở bài kiểm tra"))
    CLASS_DATES.check(closes_at, _("Thời điểm đóng bài kiểm tra"))
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise InvalidInput(window_order_message())


def window_order_message() -> str:
    return _("Thời điểm đóng bài kiểm tra phải sau thời điểm mở.")


def save_quiz_settings(actor: User | None, quiz: Quiz, *, title: str, pass_percent: int,
                       max_attempts: int | None, time_limit_minutes: int | None,
                       ends_lesson_key: str | None = None, opens_at: datetime | None = None,
                       closes_at: datetime | None = None) -> Quiz:
    """Pass mark (percent), attempt limit, time limit (None: unlimited), the lesson the quiz ends and its
    window (UTC; None: open from / until any time)."""
    ensure_author(actor)
    if not 0 < pass_percent <= 100:
        raise InvalidInput(_("Điểm đạt phải từ 1 đến 100%."))
    check_window(opens_at, closes_at)
    quiz.title, quiz.pass_percent = clean_name(title), pass_percent
    quiz.max_attempts, quiz.time_limit_minutes = max_attempts or None, time_limit_minutes or None
    quiz.ends_lesson_key = ends_lesson_key or None
    quiz.opens_at, quiz.closes_at = opens_at, closes_at
    audit.record(actor, "quiz.settings", quiz, pass_percent=pass_percent, max_attempts=max_attempts,
                 time_limit_minutes=time_limit_minutes, ends_lesson_key=ends_lesson_key or None,
                 opens_at=opens_at.isoformat() if opens_at else None,
                 closes_at=closes_at.isoformat() if closes_at else None)
    db.session.flush()
    return quiz


def import_gift(actor: User | None, quiz: Quiz, source: str) -> int:
    """Add every question of a GIFT text, or none: any problem raises InvalidInput listing them all by line."""
    ensure_author(actor)
    parsed, problems = gift.parse(source)
    if problems:
        raise InvalidInput(_("Không nhập câu hỏi nào: tệp GIFT có lỗi."), [str(p) for p in problems])
    position = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(QuizQuestion.position), 0))
                                 .where(QuizQuestion.quiz_id == quiz.id))
    for item in parsed:
        position += 1
        question = QuizQuestion(quiz_id=quiz.id, position=position, kind=item.kind, category=item.category[:255],
                                title=item.title[:255], text=item.text, feedback=item.feedback)
        question.choices = [QuizChoice(position=i, text=c.text, weight=c.weight, feedback=c.feedback)
                            for i, c in enumerate(item.choices)]
        db.session.add(question)
    audit.record(actor, "quiz.import_gift", quiz, questions=len(parsed))
    db.session.flush()
    return len(parsed)


def delete_question(actor: User | None, question: QuizQuestion) -> None:
    ensure_author(actor)
    audit.record(actor, "quiz.delete_question", question.quiz, question_id=question.id)
    db.session.delete(question)
    db.session.flush()


# --- attempts ------------------------------------------------------------------------------------------------

def attempts_of(user: User, quiz: Quiz) -> list[QuizAttempt]:
    return db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id,
                                                           QuizAttempt.quiz_id == quiz.id)
                              .order_by(QuizAttempt.number)).all()


def open_attempt(user: User, quiz: Quiz) -> QuizAttempt | None:
    now = utcnow()
    for attempt in attempts_of(user, quiz):
        if attempt.submitted_at is None and (attempt.ends_at is None or attempt.ends_at > now):
            return attempt
    return None


def window_state(quiz: Quiz, now: datetime | None = None) -> str:
    """"early" before the quiz opens, "closed" once it closed, else "open"."""
    now = now or utcnow()
    if quiz.opens_at is not None and now < quiz.opens_at:
        return "early"
    if quiz.closes_at is not None and now >= quiz.closes_at:
        return "closed"
    return "open"


def _check_open(quiz: Quiz) -> None:
    state = window_state(quiz)
    if state == "early":
        raise Conflict(_("Bài kiểm tra chưa mở: bạn có thể bắt đầu làm bài từ %(time)s.",
                         time=local_datetime(quiz.opens_at)))
    if state == "closed":
        raise Conflict(_("Bài kiểm tra đã đóng lúc %(time)s; không thể bắt đầu lượt làm bài mới.",
                         time=local_datetime(quiz.closes_at)))


def start_attempt(user: User, quiz: Quiz) -> QuizAttempt:
    """Continue the open attempt or start a new one within the limit, with its own shuffled layout.

    One open attempt per trainee and quiz is a database constraint: when a simultaneous request (a double
    click, a second tab) opened one first, that attempt is the one continued.
    """
    if not quiz.questions:
        raise InvalidInput(_("Bài kiểm tra chưa có câu hỏi."))
    current = open_attempt(user, quiz)
    if current is not None:
        return current
    _check_open(quiz)
    attempts = attempts_of(user, quiz)
    _close_expired(attempts)
    if quiz.max_attempts and len(attempts) >= quiz.max_attempts:
        raise Conflict(_("Bạn đã dùng hết %(n)d lượt làm bài.", n=quiz.max_attempts))
    now = utcnow()
    ends = [t for t in (now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
                        quiz.closes_at) if t is not None]
    attempt = QuizAttempt(
        quiz_id=quiz.id, user_id=user.id, number=attempts[-1].number + 1 if attempts else 1, started_at=now,
        layout=_draw_layout(quiz), answers={},
        # The earlier of the time limit and the closing time: the page's countdown shows the real end.
        deadline_at=min(ends) if ends else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError as clash:  # a concurrent request opened an attempt (or used this number) first
        current = open_attempt(user, quiz)
        if current is not None:
            return current
        raise Conflict(_("Lượt làm bài vừa được mở ở một cửa sổ khác; vui lòng tải lại trang.")) from clash
    record_event(user.id, "launched", "quiz", quiz.id, quiz.title)
    db.session.flush()
    return attempt


def _draw_layout(quiz: Quiz) -> list[dict]:
    """The questions in a random order, each with its choices (shuffled where order means nothing) and the
    attempt's own token for each choice: [{"q": question id, "c": [choice ids], "t": [tokens]}]."""
    questions = list(quiz.questions)
    _random.shuffle(questions)
    layout = []
    for question in questions:
        choice_ids = [c.id for c in question.choices]
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            _random.shuffle(choice_ids)
        tokens = _unique_tokens(len(choice_ids))
        layout.append({"q": question.id, "c": choice_ids, "t": tokens})
    return layout


def _unique_tokens(count: int) -> list[str]:
    tokens: list[str] = []
    while len(tokens) < count:
        token = secrets.token_urlsafe(9)
        if token not in tokens:
            tokens.append(token)
    return tokens


def _drawn_questions(attempt: QuizAttempt):
    """(layout item, question, its choices by id) for each question of the attempt still in the quiz."""
    questions = {q.id: q for q in attempt.quiz.questions}
    for item in attempt.layout:
        question = questions.get(item["q"])
        if question is not None:
            yield item, question, {c.id: c for c in question.choices}


def attempt_form(attempt: QuizAttempt) -> list[tuple[QuizQuestion, list[tuple[str, QuizChoice]]]]:
    """Each question of an open attempt in its drawn order, with its choices as (token, choice) pairs."""
    return [(question, [(token, by_id[cid]) for cid, token in zip(item["c"], item["t"], strict=True)
                        if cid in by_id])
            for item, question, by_id in _drawn_questions(attempt)]


def answers_from_form(attempt: QuizAttempt, form) -> dict:
    """The answers posted for an attempt (`form` maps "q<question id>" to a list of values), as choice ids.

    Values are this attempt's tokens; anything else (a database id, another attempt's token) counts as no answer.
    """
    kinds = {q.id: q.kind for q in attempt.quiz.questions}
    answers: dict[str, object] = {}
    for item in attempt.layout:
        values = form.getlist(f"q{item['q']}")
        if kinds.get(item["q"]) == QuestionKind.SHORT:
            answers[str(item["q"])] = values[0] if values else ""
            continue
        by_token = dict(zip(item["t"], item["c"], strict=True))
        answers[str(item["q"])] = [by_token[v] for v in dict.fromkeys(values) if v in by_token]
    return answers


def _close_expired(attempts: list[QuizAttempt]) -> None:
    """Attempts whose time ran out without a submission are graded as they stand (nothing answered)."""
    now = utcnow()
    for attempt in attempts:
        if attempt.submitted_at is None and attempt.ends_at is not None and attempt.ends_at <= now:
            _grade(attempt, {}, late=True)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip().casefold()


def _score(question: QuizQuestion, answer) -> float:
    by_id = {c.id: c for c in question.choices}
    if question.kind == QuestionKind.SHORT:
        given = _normalise(answer if isinstance(answer, str) else "")
        return max((c.weight for c in question.choices if _normalise(c.text) == given and given), default=0.0)
    chosen = [by_id[i] for i in (answer or []) if i in by_id]
    if question.kind == QuestionKind.MULTIPLE:
        return max(0.0, min(1.0, sum(c.weight for c in chosen)))
    return max(0.0, chosen[0].weight) if len(chosen) == 1 else 0.0


def _grade(attempt: QuizAttempt, answers: dict, *, late: bool) -> QuizAttempt:
    quiz = attempt.quiz
    questions = {q.id: q for q in quiz.questions}
    total = 0.0
    kept = {}
    for item in attempt.layout:
        question = questions.get(item["q"])
        if question is None:
            continue
        answer = answers.get(str(question.id))
        kept[str(question.id)] = answer
        total += _score(question, answer)
    count = len([i for i in attempt.layout if i["q"] in questions]) or 1
    attempt.answers = kept
    attempt.score_percent = round(100 * total / count, 1)
    attempt.passed = attempt.score_percent >= quiz.pass_percent
    attempt.submitted_at = utcnow()
    attempt.late = late
    result = {"score": {"scaled": round(attempt.score_percent / 100, 4), "raw": attempt.score_percent,
                        "min": 0, "max": 100}, "success": attempt.passed, "completion": True}
    record_event(attempt.user_id, "submitted", "quiz", quiz.id, quiz.title, result=result)
    record_event(attempt.user_id, "passed" if attempt.passed else "failed", "quiz", quiz.id, quiz.title,
                 result=result)
    if attempt.passed:
        module = db.session.get(Module, quiz.module_id)
        record_quiz_passed(attempt.user_id, module, attempt.submitted_at)
        ended = _ended_lesson(quiz, module)
        if ended is not None:
            complete_lesson(db.session.get(User, attempt.user_id), ended)
    db.session.flush()
    return attempt


def _ended_lesson(quiz: Quiz, module: Module) -> Lesson | None:
    if not quiz.ends_lesson_key or module.published_revision_id is None:
        return None
    return db.session.scalars(sa.select(Lesson).where(Lesson.revision_id == module.published_revision_id,
                                                      Lesson.key == quiz.ends_lesson_key)).one_or_none()


def submit_attempt(user: User, attempt: QuizAttempt, answers: dict) -> QuizAttempt:
    """Grade an attempt once. After the time limit or the quiz's closing time (plus a short grace) the answers
    are not counted."""
    if attempt.user_id != user.id:
        raise NotFound()
    locked = db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.id == attempt.id).with_for_update()
                                .execution_options(populate_existing=True)).one()
    if locked.submitted_at is not None:
        return locked  # a double submit changes nothing
    late = locked.ends_at is not None and utcnow() > locked.ends_at + timedelta(seconds=GRACE_SECONDS)
    return _grade(locked, {} if late else answers, late=late)


def answers_revealed(attempt: QuizAttempt) -> bool:
    """Right answers show once they can no longer help another attempt: after a pass or the last allowed try."""
    if attempt.passed:
        return True
    limit = attempt.quiz.max_attempts
    if not limit:
        return False
    used = db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt).where(
        QuizAttempt.quiz_id == attempt.quiz_id, QuizAttempt.user_id == attempt.user_id))
    return used >= limit


def review(attempt: QuizAttempt) -> list[dict]:
    """Each question of a graded attempt in its shuffled order with the answer given, the right ones and feedback."""
    rows = []
    for item, question, by_id in _drawn_questions(attempt):
        answer = (attempt.answers or {}).get(str(question.id))
        chosen = [by_id[i] for i in (answer or []) if i in by_id] if question.kind != QuestionKind.SHORT else []
        rows.append({
            "question": question,
            "choices": [by_id[i] for i in item["c"] if i in by_id],
            "chosen": chosen,
            "text_answer": answer if question.kind == QuestionKind.SHORT else None,
            "score": _score(question, answer),
            "right": [c for c in question.choices if c.weight > 0],
        })
    return rows
