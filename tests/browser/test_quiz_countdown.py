"""A timed quiz on a 360 px phone: the deadline in Vietnam time and a countdown that runs in the browser
(a script from static/, allowed by script-src 'self'); axe stays clean."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Quiz, QuizAttempt
from tests.browser.conftest import assert_accessible, sign_in
from tests.learning.test_quizzes import quiz_module  # noqa: F401  (fixture)


def test_the_countdown_runs_on_a_phone(app, make, phone_page, quiz_module):  # noqa: F811
    make.user("hocvien")
    with app.app_context():
        db.session.scalars(sa.select(Quiz)).one().time_limit_minutes = 10
        db.session.commit()
    page = phone_page
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, "hocvien")
    page.goto(f"/learning/modules/{quiz_module.id}/quiz")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_load_state()

    timer = page.get_by_role("timer")
    first = timer.inner_text()
    assert re.fullmatch(r"(10:00|9:[0-5]\d)", first), first
    page.wait_for_timeout(2100)
    assert timer.inner_text() != first  # it counts down
    with app.app_context():
        attempt = db.session.scalars(sa.select(QuizAttempt)).one()
        from lms.formats import local_datetime

        deadline = local_datetime(attempt.deadline_at)
    assert page.get_by_text(f"Nộp trước {deadline}").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    assert errors == []  # no Content-Security-Policy refusal, no script error

    with app.app_context():  # the time is up: the box says so
        attempt = db.session.scalars(sa.select(QuizAttempt)).one()
        attempt.deadline_at = utcnow() + timedelta(seconds=2)
        db.session.commit()
    page.reload()
    page.get_by_role("alert").filter(has_text="Đã hết giờ làm bài").wait_for(timeout=6000)
    assert_accessible(page)
