"""Quiz windows in notifications and the calendar: a trainee who studies the module and has not passed its
quiz hears once, the day before, that the window closes; the calendar and the feed show when it opens and
closes, in Vietnam time."""
from datetime import date, datetime, time, timedelta

import icalendar
import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.formats import local_today
from lms.learning.models import QuizAttempt
from lms.notifications import mailing, reminders
from lms.notifications.kinds import kind
from lms.notifications.models import CalendarFeed, NotificationPreference
from tests.notifications.conftest import plain
from tests.notifications.helpers import notices

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 0, 0)  # 07:00 in Hà Nội


def _passed(app, quiz, user):
    with app.app_context():
        db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=user.id, number=1, submitted_at=NOW, score_percent=100,
                                   passed=True))
        db.session.commit()


@pytest.fixture
def world(app, make):
    """A quiz closing at noon today (Hà Nội), another tomorrow afternoon; trainees who study them or not."""
    studying, twice, passed, finished, idle, gone = (make.user(name) for name in (
        "danghoc", "haichuongtrinh", "dadat", "xongchuongtrinh", "khonghoc", "nghiviec"))
    module = make.learning_module("HP-1", title="Xây dựng Đảng")
    later_module = make.learning_module("HP-2", title="Nghị quyết 32")
    program = make.learning_program("Bồi dưỡng Bí thư Đảng ủy xã", modules=[module, later_module])
    other = make.learning_program("Bồi dưỡng Chủ tịch UBND xã", modules=[module])
    for person in (studying, twice, passed, gone):
        make.program_status(person, program, "in_progress", started_on=TODAY - timedelta(days=5))
    make.program_status(twice, other, "not_started", started_on=TODAY - timedelta(days=5))
    make.program_status(finished, program, "completed", started_on=TODAY - timedelta(days=90),
                        completed_at=NOW - timedelta(days=1))
    quiz = make.quiz(module, title="Kiểm tra Xây dựng Đảng", closes_at=NOW + timedelta(hours=5))
    later = make.quiz(later_module, title="Kiểm tra Nghị quyết 32", closes_at=NOW + timedelta(hours=30))
    _passed(app, quiz, passed)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == gone.id).values(active=False))
        db.session.commit()
    return type("W", (), dict(studying=studying, twice=twice, quiz=quiz, later=later, module=module))


def _run(app, now=NOW) -> int:
    with app.app_context():
        written = reminders.run_reminders(now.date(), now)
        db.session.commit()
        return written["quiz.closing"]


def test_trainees_who_have_not_passed_hear_once_that_the_window_closes_within_a_day(app, world):
    assert _run(app) == 2
    assert _run(app) == 0  # the same day again: nothing new
    rows = notices(app, kind="quiz.closing")
    assert sorted(r.user_id for r in rows) == sorted([world.studying.id, world.twice.id])  # once, in two programs
    with app.test_request_context():
        assert kind("quiz.closing").text(rows[0].params) == (
            'Bài kiểm tra "Kiểm tra Xây dựng Đảng" đóng lúc 01/12/2026 12:00 và bạn chưa đạt; hãy làm bài trước '
            "giờ đó.")
        assert kind("quiz.closing").link(rows[0].params) == f"/learning/modules/{world.module.id}/quiz"
    # The next morning the other quiz closes within a day (the one who passed the first has not passed this
    # one); the first is not told again.
    assert _run(app, NOW + timedelta(days=1)) == 3
    assert {r.params["quiz_id"] for r in notices(app, kind="quiz.closing")} == {world.quiz.id, world.later.id}


def test_a_window_moved_later_is_announced_again(app, world):
    _run(app)
    with app.app_context():
        from lms.learning.models import Quiz

        db.session.get(Quiz, world.quiz.id).closes_at = NOW + timedelta(hours=8)
        db.session.commit()
    assert _run(app) == 2


def test_the_mail_follows_each_persons_choice(app, world, mailbox):
    with app.app_context():
        db.session.execute(sa.update(User).values(email="nguoi@xa.example.vn"))
        db.session.add(NotificationPreference(user_id=world.studying.id, kind="quiz.closing", mail="off"))
        db.session.commit()
    _run(app)
    with app.app_context():
        assert mailing.dispatch() == 1
    [message] = mailbox.messages
    assert message["Subject"].startswith('Bài kiểm tra "Kiểm tra Xây dựng Đảng" đóng lúc 01/12/2026 12:00')
    assert f"http://localhost/learning/modules/{world.module.id}/quiz" in plain(message)
    assert len(notices(app, kind="quiz.closing", user_id=world.studying.id)) == 1  # still told in the app


def test_the_calendar_and_the_feed_show_when_the_quiz_opens_and_closes(app, client, auth, make):
    with app.app_context():
        today = local_today()
    trainee = make.user("hocvien")
    passed = make.user("dadat")
    module = make.learning_module("HP-1", title="Xây dựng Đảng")
    program = make.learning_program("Bồi dưỡng Bí thư Đảng ủy xã", modules=[module])
    for person in (trainee, passed):
        make.program_status(person, program, "in_progress", started_on=today)
    opens = datetime.combine(today + timedelta(days=2), time(1, 0))  # 08:00 in Hà Nội
    closes = datetime.combine(today + timedelta(days=5), time(10, 0))  # 17:00 in Hà Nội
    quiz = make.quiz(module, title="Kiểm tra Xây dựng Đảng", opens_at=opens, closes_at=closes)
    _passed(app, quiz, passed)
    auth.login("hocvien")
    page = client.get("/calendar").get_data(as_text=True)
    assert f"{(today + timedelta(days=2)).strftime('%d/%m/%Y')} 08:00 · Bài kiểm tra mở" in page
    assert f"{(today + timedelta(days=5)).strftime('%d/%m/%Y')} 17:00 · Bài kiểm tra đóng" in page
    assert ">Kiểm tra Xây dựng Đảng</a>" in page  # named once, under its label (the feed's title says the kind)
    client.post("/calendar/feed")
    with app.app_context():
        token = db.session.scalar(sa.select(CalendarFeed.token))
    parsed = icalendar.Calendar.from_ical(client.get(f"/calendar/feed/{token}.ics").data)
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    closing = events["Đóng bài kiểm tra: Kiểm tra Xây dựng Đảng"]
    assert closing["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    start = closing.decoded("DTSTART")
    assert (start.date(), start.hour, start.utcoffset()) == (today + timedelta(days=5), 17, timedelta(hours=7))
    assert str(closing["URL"]) == f"http://localhost/learning/modules/{module.id}/quiz"
    assert "Mở bài kiểm tra: Kiểm tra Xây dựng Đảng" in events
    auth.logout()
    auth.login("dadat")  # passed: nothing left to do
    assert "Kiểm tra Xây dựng Đảng" not in client.get("/calendar").get_data(as_text=True)
