"""Taking quizzes: per-attempt shuffled order, grading with partial credit, pass mark, attempt and time limits."""
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.learning import quizzes
from lms.learning.models import (
    LearningEvent,
    ModuleRule,
    ModuleState,
    ModuleStatus,
    Quiz,
    QuizAttempt,
    QuizChoice,
)

DATA = Path(__file__).parent / "data"
BANK = (DATA / "llct_boi_duong_bi_thu_xa.gift").read_text(encoding="utf-8")


@pytest.fixture
def quiz_module(app, make):
    module = make.learning_module(title="Nghị quyết 32-NQ/TW")
    with app.test_request_context():
        from lms.curriculum.models import Module

        quiz = quizzes.get_or_create_quiz(None, db.session.get(Module, module.id))
        quizzes.import_gift(None, quiz, BANK)
        quizzes.save_quiz_settings(None, quiz, title="Kiểm tra Nghị quyết 32", pass_percent=80, max_attempts=2,
                                   time_limit_minutes=None)
        db.session.add(ModuleRule(module_id=module.id, require_lessons=False, require_quiz=True))
        db.session.commit()
    return module


def _start(client, module):
    response = client.post(f"/learning/modules/{module.id}/quiz/start")
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _tokens(app, attempt_id) -> dict[int, str]:
    """The value the attempt's form gives each choice, by choice id."""
    with app.app_context():
        layout = db.session.get(QuizAttempt, attempt_id).layout
    return {choice_id: token for item in layout for choice_id, token in zip(item["c"], item["t"], strict=True)}


def _right_answers(app, attempt_id) -> dict:
    """Form data answering every question of an attempt correctly."""
    tokens = _tokens(app, attempt_id)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        data = {}
        for question in attempt.quiz.questions:
            right = [c for c in question.choices if c.weight > 0]
            if question.kind == "short":
                data[f"q{question.id}"] = right[-1].text.upper()  # case does not matter
            elif question.kind == "multiple":
                data[f"q{question.id}"] = [tokens[c.id] for c in right]
            else:
                data[f"q{question.id}"] = tokens[max(right, key=lambda c: c.weight).id]
        return data


def test_each_attempt_stores_its_own_shuffled_order(app, make, client, auth, quiz_module):
    make.user("hocvien")
    auth.login("hocvien")
    page = client.get(f"/learning/modules/{quiz_module.id}/quiz")
    assert "Kiểm tra Nghị quyết 32" in page.get_data(as_text=True)
    layouts = set()
    with app.app_context():
        from lms.accounts.models import User

        trainee = db.session.scalars(sa.select(User).where(User.username == "hocvien")).one()
        quiz = db.session.scalars(sa.select(Quiz)).one()
        quiz.max_attempts = None
        for _ in range(6):
            attempt = quizzes.start_attempt(trainee, quiz)
            layouts.add(tuple(item["q"] for item in attempt.layout))
            quizzes.submit_attempt(trainee, attempt, {})
        db.session.commit()
    assert len(layouts) > 1  # 7! orders: six attempts in one order would be a broken shuffle


def test_a_perfect_attempt_passes_and_completes_the_module(app, make, client, auth, quiz_module):
    make.user("hocvien")
    auth.login("hocvien")
    attempt_id = _start(client, quiz_module)
    page = client.get(f"/learning/attempts/{attempt_id}").get_data(as_text=True)
    assert "Cán bộ trong diện quy hoạch" in page
    response = client.post(f"/learning/attempts/{attempt_id}", data=_right_answers(app, attempt_id))
    assert response.headers["Location"].endswith(f"/learning/attempts/{attempt_id}/result")
    result = client.get(f"/learning/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Điểm: 10,0/10" in result  # 100 % on the default 10-point scale
    assert "Đạt" in result
    assert "Đúng. Nghị quyết được ban hành ngày 26 tháng 5 năm 2014." in result  # the chosen answer's feedback
    assert "Xem lại phần I của Nghị quyết." in result  # general feedback
    with app.app_context():
        status = db.session.scalars(sa.select(ModuleStatus)).one()
        assert status.state == ModuleState.COMPLETED
        verbs = [e.verb for e in db.session.scalars(sa.select(LearningEvent).order_by(LearningEvent.id))]
        assert verbs == ["launched", "submitted", "passed", "completed"]
    # A second submit of the same attempt changes nothing.
    client.post(f"/learning/attempts/{attempt_id}", data={})
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).score_percent == 100.0


def test_partial_credit_and_the_pass_mark(app, make, client, auth, quiz_module):
    make.user("hocvien")
    auth.login("hocvien")
    attempt_id = _start(client, quiz_module)
    answers = _right_answers(app, attempt_id)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        multiple = next(q for q in attempt.quiz.questions if q.kind == "multiple")
        half = next(c for c in multiple.choices if c.weight == 0.5)
        wrong = next(c for c in multiple.choices if c.weight < 0)
    answers[f"q{multiple.id}"] = [_tokens(app, attempt_id)[half.id]]  # 0.5 of a point
    client.post(f"/learning/attempts/{attempt_id}", data=answers)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.score_percent == round(100 * 6.5 / 7, 1)
        assert attempt.passed is True  # 92.9 >= 80
    second = _start(client, quiz_module)
    answers = _right_answers(app, second)
    tokens = _tokens(app, second)
    answers[f"q{multiple.id}"] = [tokens[half.id], tokens[wrong.id]]  # the penalty cancels the credit
    for key in list(answers)[:1]:
        answers.pop(key)
    client.post(f"/learning/attempts/{second}", data=answers)
    with app.app_context():
        assert db.session.get(QuizAttempt, second).score_percent < 80
        assert db.session.get(QuizAttempt, second).passed is False


def test_the_attempt_limit_holds(app, make, client, auth, quiz_module):
    make.user("hocvien")
    auth.login("hocvien")
    for _ in range(2):
        attempt_id = _start(client, quiz_module)
        client.post(f"/learning/attempts/{attempt_id}", data={})
    response = client.post(f"/learning/modules/{quiz_module.id}/quiz/start", follow_redirects=True)
    assert "Bạn đã dùng hết 2 lượt làm bài." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 2


def _start_timed(app, make, client, auth, quiz_module) -> int:
    """hocvien starts an attempt of the quiz with a ten-minute limit."""
    make.user("hocvien")
    auth.login("hocvien")
    with app.app_context():
        db.session.scalars(sa.select(Quiz)).one().time_limit_minutes = 10
        db.session.commit()
    return _start(client, quiz_module)


def test_the_time_limit_is_enforced_on_the_server(app, make, client, auth, quiz_module):
    attempt_id = _start_timed(app, make, client, auth, quiz_module)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.deadline_at is not None
        attempt.deadline_at = attempt.started_at - timedelta(minutes=1)  # the ten minutes are long gone
        db.session.commit()
    response = client.post(f"/learning/attempts/{attempt_id}", data=_right_answers(app, attempt_id),
                           follow_redirects=True)
    assert "hết giờ" in response.get_data(as_text=True)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert (attempt.late, attempt.score_percent, attempt.passed) == (True, 0.0, False)


def test_a_timed_attempt_shows_its_deadline_in_vietnam_time_and_a_countdown(app, make, client, auth, quiz_module):
    attempt_id = _start_timed(app, make, client, auth, quiz_module)
    with app.app_context():
        db.session.get(QuizAttempt, attempt_id).deadline_at = datetime(2026, 3, 31, 23, 30)  # stored in UTC
        db.session.commit()
    page = client.get(f"/learning/attempts/{attempt_id}").get_data(as_text=True)
    assert "Nộp trước 01/04/2026 06:30" in page
    assert "UTC" not in page
    assert 'data-deadline="2026-03-31T23:30:00Z"' in page
    assert re.search(r'<script src="/static/js/countdown\.[0-9a-f]{12}\.js">', page)


def test_another_trainees_attempt_is_not_found(app, make, client, auth, quiz_module):
    make.user("hocvien")
    make.user("khac")
    auth.login("hocvien")
    attempt_id = _start(client, quiz_module)
    auth.logout()
    auth.login("khac")
    assert client.get(f"/learning/attempts/{attempt_id}").status_code == 404
    assert client.post(f"/learning/attempts/{attempt_id}", data={}).status_code == 404


def test_passing_the_quiz_that_ends_a_lesson_completes_it(app, make, client, auth):
    from lms.curriculum.models import Module

    module = make.learning_module(lessons=("Bối cảnh", "Nội dung chính"))
    with app.test_request_context():
        quiz = quizzes.get_or_create_quiz(None, db.session.get(Module, module.id))
        quizzes.import_gift(None, quiz, "Nghị quyết 32-NQ/TW ban hành năm 2014. {T}")
        quizzes.save_quiz_settings(None, quiz, title="Kiểm tra cuối bài", pass_percent=100, max_attempts=None,
                                   time_limit_minutes=None, ends_lesson_key="l2")
        db.session.commit()
    make.user("hocvien")
    auth.login("hocvien")
    attempt_id = _start(client, module)
    client.post(f"/learning/attempts/{attempt_id}", data=_right_answers(app, attempt_id))
    with app.app_context():
        from lms.learning.models import LessonProgress

        done = db.session.scalars(sa.select(LessonProgress.lesson_key).where(LessonProgress.completed_at.is_not(None)))
        assert list(done) == ["l2"]
        assert db.session.scalars(sa.select(ModuleStatus)).one().lessons_done == 1


def test_right_answers_show_only_when_they_cannot_help_another_attempt(app, make, client, auth, quiz_module):
    make.user("hocvien")
    auth.login("hocvien")
    first = _start(client, quiz_module)
    page = client.post(f"/learning/attempts/{first}", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Chưa đạt" in page
    assert "Đáp án đúng:" not in page  # one attempt left
    last = _start(client, quiz_module)
    page = client.post(f"/learning/attempts/{last}", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Đáp án đúng:" in page  # no attempt left


def test_a_quiz_of_a_module_never_published_is_not_found(app, make, client, auth, quiz_module):
    with app.app_context():
        from lms.curriculum.models import Module

        db.session.get(Module, quiz_module.id).published_revision_id = None
        db.session.commit()
    make.user("hocvien")
    auth.login("hocvien")
    assert client.get(f"/learning/modules/{quiz_module.id}/quiz").status_code == 404
    assert client.post(f"/learning/modules/{quiz_module.id}/quiz/start").status_code == 404


def test_the_quiz_form_names_options_by_tokens_of_the_attempt_never_by_database_ids(app, make, client, auth,
                                                                                    quiz_module):
    make.user("hocvien")
    auth.login("hocvien")
    first = _start(client, quiz_module)
    page = client.get(f"/learning/attempts/{first}").get_data(as_text=True)
    values = set(re.findall(r'type="(?:radio|checkbox)"[^>]*value="([^"]*)"', page))
    with app.app_context():
        choice_ids = {str(i) for i in db.session.scalars(sa.select(QuizChoice.id))}
    assert values
    assert not values & choice_ids
    assert not re.search(r'id="c\d+"', page)  # nor in the element ids
    tokens = _tokens(app, first)
    assert values <= set(tokens.values())
    # Posting the database ids of the right answers (the old form's values) scores nothing.
    by_id = {}
    for key, value in _right_answers(app, first).items():
        by_token = {token: str(choice_id) for choice_id, token in tokens.items()}
        by_id[key] = [by_token[v] for v in value] if isinstance(value, list) else by_token.get(value, value)
    client.post(f"/learning/attempts/{first}", data=by_id)
    with app.app_context():
        assert db.session.get(QuizAttempt, first).score_percent == round(100 * 2 / 7, 1)  # the two short answers
    # Another attempt draws other tokens: the first attempt's right answers score nothing there either.
    second = _start(client, quiz_module)
    assert not set(_tokens(app, second).values()) & set(tokens.values())
    client.post(f"/learning/attempts/{second}", data=_right_answers(app, first))
    with app.app_context():
        assert db.session.get(QuizAttempt, second).score_percent == round(100 * 2 / 7, 1)


def test_the_database_holds_at_most_one_open_attempt_per_trainee_and_quiz(app, make, quiz_module):
    trainee = make.user("hocvien")
    with app.app_context():
        quiz = db.session.scalars(sa.select(Quiz)).one()
        db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=trainee.id, number=1, layout=[], answers={}))
        db.session.commit()
        db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=trainee.id, number=2, layout=[], answers={}))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.scalars(sa.select(QuizAttempt)).one().submitted_at = quizzes.utcnow()
        db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=trainee.id, number=2, layout=[], answers={}))
        db.session.commit()  # once the first is submitted, the next one may open
