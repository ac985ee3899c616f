"""A quiz's window: lecturers set when it opens and closes in Vietnam time; no attempt starts outside it, and
an attempt started inside it ends at its time limit or at the closing time, whichever comes first."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from lms.learning import quizzes
from lms.learning.models import Quiz, QuizAttempt


@pytest.fixture
def module(make):
    module = make.learning_module(title="Nghị quyết 32-NQ/TW")
    make.user("hocvien")
    return module


def _attempts(app) -> list[QuizAttempt]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(QuizAttempt)))
        db.session.expunge_all()
        return rows


def _right_answer(app, attempt_id) -> dict:
    with app.app_context():
        [item] = db.session.get(QuizAttempt, attempt_id).layout
        right = db.session.scalar(sa.select(Quiz)).questions[0].choices[0].id
        return {f"q{item['q']}": item["t"][item["c"].index(right)]}


def _start(client, module):
    return client.post(f"/learning/modules/{module.id}/quiz/start", follow_redirects=True)


def test_no_attempt_starts_before_the_quiz_opens(app, make, client, auth, module):
    make.quiz(module, opens_at=datetime(2099, 3, 1, 1, 0))  # 08:00 in Hà Nội
    auth.login("hocvien")
    page = client.get(f"/learning/modules/{module.id}/quiz").get_data(as_text=True)
    assert "Mở từ: 01/03/2099 08:00" in page
    assert "Bắt đầu làm bài" not in page
    page = _start(client, module).get_data(as_text=True)
    assert "Bài kiểm tra chưa mở: bạn có thể bắt đầu làm bài từ 01/03/2099 08:00." in page
    assert _attempts(app) == []


def test_no_attempt_starts_after_the_quiz_closed(app, make, client, auth, module):
    make.quiz(module, closes_at=datetime(2026, 3, 31, 10, 0))
    auth.login("hocvien")
    page = _start(client, module).get_data(as_text=True)
    assert "Bài kiểm tra đã đóng lúc 31/03/2026 17:00; không thể bắt đầu lượt làm bài mới." in page
    assert _attempts(app) == []


def test_inside_the_window_an_attempt_starts_and_the_page_shows_the_closing_time(app, make, client, auth, module):
    closes = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    make.quiz(module, opens_at=utcnow() - timedelta(hours=1), closes_at=closes)
    auth.login("hocvien")
    local = (closes + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")
    assert f"Đóng lúc: {local}" in client.get(f"/learning/modules/{module.id}/quiz").get_data(as_text=True)
    page = _start(client, module).get_data(as_text=True)
    assert f"Nộp trước {local}" in page  # no time limit: the attempt ends when the quiz closes
    [attempt] = _attempts(app)
    assert attempt.deadline_at == closes


def test_an_attempt_ends_at_its_time_limit_or_the_closing_time_whichever_is_earlier(app, make, client, auth,
                                                                                      module):
    closes = utcnow() + timedelta(minutes=10)
    quiz = make.quiz(module, closes_at=closes, time_limit_minutes=60)
    auth.login("hocvien")
    _start(client, module)
    [attempt] = _attempts(app)
    assert attempt.deadline_at == closes  # ten minutes left, not the hour of the time limit
    with app.app_context():
        db.session.get(Quiz, quiz.id).closes_at = utcnow() + timedelta(days=1)
        db.session.get(QuizAttempt, attempt.id).deadline_at = None
        db.session.commit()
        other = make.user("khac")
        started = quizzes.start_attempt(other, db.session.get(Quiz, quiz.id))
        # Closing tomorrow: the hour of the time limit comes first.
        assert started.deadline_at - started.started_at == timedelta(minutes=60)
        db.session.rollback()


@pytest.mark.parametrize(("sent", "counted"), [
    (timedelta(seconds=-5), True),
    (timedelta(seconds=20), True),  # the short grace for slow links, as after a time limit
    (timedelta(minutes=5), False),
])
def test_answers_count_only_until_the_closing_time(app, make, client, auth, module, monkeypatch, sent, counted):
    closes = utcnow() + timedelta(minutes=10)
    make.quiz(module, closes_at=closes)
    auth.login("hocvien")
    _start(client, module)
    [attempt] = _attempts(app)
    answer = _right_answer(app, attempt.id)
    monkeypatch.setattr(quizzes, "utcnow", lambda: closes + sent)
    page = client.post(f"/learning/attempts/{attempt.id}", data=answer, follow_redirects=True).get_data(as_text=True)
    assert ("hết giờ" in page) is not counted
    [attempt] = _attempts(app)
    assert (attempt.late, attempt.passed) == (not counted, counted)


def test_a_window_shortened_after_the_start_ends_the_attempt_too(app, make, client, auth, module):
    quiz = make.quiz(module, closes_at=utcnow() + timedelta(days=1))
    auth.login("hocvien")
    _start(client, module)
    [attempt] = _attempts(app)
    with app.app_context():
        db.session.get(Quiz, quiz.id).closes_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    client.post(f"/learning/attempts/{attempt.id}", data=_right_answer(app, attempt.id))
    [attempt] = _attempts(app)
    assert (attempt.late, attempt.passed) == (True, False)


def _settings(**window) -> dict:
    return {"action": "settings", "settings-title": "Kiểm tra cuối học phần", "settings-pass_percent": "75",
            **{f"settings-{k}": v for k, v in window.items()}}


def test_the_lecturer_sets_the_window_in_vietnam_time(app, make, client, auth, module):
    make.lecturer("giangvien")
    auth.login("giangvien")
    url = f"/learning/manage/modules/{module.id}"
    response = client.post(url, data=_settings(opens_local="2026-12-10T08:00", closes_local="2026-12-12T17:30"))
    assert response.status_code == 302
    with app.app_context():
        quiz = db.session.scalar(sa.select(Quiz))
        assert (quiz.opens_at, quiz.closes_at) == (datetime(2026, 12, 10, 1, 0), datetime(2026, 12, 12, 10, 30))
    page = client.get(url).get_data(as_text=True)
    assert 'value="2026-12-10T08:00"' in page
    assert 'value="2026-12-12T17:30"' in page
    client.post(url, data=_settings(opens_local="", closes_local=""))  # emptied: open at any time
    with app.app_context():
        quiz = db.session.scalar(sa.select(Quiz))
        assert (quiz.opens_at, quiz.closes_at) == (None, None)


@pytest.mark.parametrize(("window", "message"), [
    ({"opens_local": "2026-12-12T17:30", "closes_local": "2026-12-10T08:00"},
     "Thời điểm đóng bài kiểm tra phải sau thời điểm mở."),
    ({"opens_local": "2026-12-10T08:00", "closes_local": "2026-12-10T08:00"},
     "Thời điểm đóng bài kiểm tra phải sau thời điểm mở."),
    ({"closes_local": "0001-01-01T08:00"}, "Đóng lúc (để trống: không đóng) phải trong khoảng từ 01/01/1990"),
    ({"closes_local": "ngày mai"}, "Ngày giờ không hợp lệ."),
])
def test_a_bad_window_is_refused_with_its_reason_and_nothing_changes(app, make, client, auth, module, window,
                                                                      message):
    make.quiz(module, closes_at=datetime(2026, 12, 31, 10, 0))
    make.lecturer("giangvien")
    auth.login("giangvien")
    page = client.post(f"/learning/manage/modules/{module.id}", data=_settings(**window)).get_data(as_text=True)
    assert message in page
    with app.app_context():
        quiz = db.session.scalar(sa.select(Quiz))
        assert (quiz.title, quiz.closes_at) == ("Kiểm tra cuối học phần", datetime(2026, 12, 31, 10, 0))
        assert quiz.pass_percent == 50


def test_the_service_refuses_a_window_closing_before_it_opens(app, make, module):
    quiz = make.quiz(module)
    with app.test_request_context(), pytest.raises(InvalidInput, match="phải sau thời điểm mở"):
        quizzes.save_quiz_settings(None, db.session.get(Quiz, quiz.id), title="Kiểm tra", pass_percent=50,
                                   max_attempts=None, time_limit_minutes=None,
                                   opens_at=datetime(2026, 12, 2), closes_at=datetime(2026, 12, 1))
