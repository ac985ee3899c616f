"""The calendar page and the personal iCalendar feed: classes with dates and place, timetable sessions,
field trips and report deadlines, module and program due dates; Vietnam time with the zone declared; a
secret address the person can reset."""
import re
from datetime import datetime, time, timedelta

import icalendar
import sqlalchemy as sa

from lms.delivery.models import NominationState
from lms.delivery.timetable_models import ClassSession
from lms.extensions import db
from lms.formats import local_today
from lms.notifications.models import CalendarFeed


def _world(app, make):
    with app.app_context():
        today = local_today()
    trainee = make.user("hocvien", full_name="Nguyễn Văn An")
    stranger = make.user("nguoila")
    module = make.learning_module("HP-1", title="Xây dựng Đảng", lessons=("Bài 1",))
    program = make.learning_program("Bồi dưỡng Bí thư Đảng ủy xã", modules=[module], due_days=20)
    make.program_status(trainee, program, "in_progress", started_on=today, due_on=today + timedelta(days=90))
    klass = make.training_class(module=module, starts_on=today + timedelta(days=3))
    make.nomination(klass, trainee, NominationState.ENROLLED)
    make.trip(klass, deadline=datetime.combine(today + timedelta(days=10), time(10, 0)))  # 17:00 in Hà Nội
    with app.app_context():
        db.session.add(ClassSession(class_id=klass.id, held_on=today + timedelta(days=3), starts_at=time(7, 30),
                                    ends_at=time(11, 0), topic="Khai giảng", room="Phòng 201"))
        db.session.commit()
    return type("W", (), dict(trainee=trainee, stranger=stranger, klass=klass, today=today))


ITEM = re.compile(r'<li class="list-group-item">\s*<div class="small text-body-secondary">(.*?) · (.*?)</div>\s*'
                  r'<div>(?:<a href="[^"]*">)?(.*?)(?:</a>)?</div>', re.S)


def _items(page: str) -> list[tuple[str, str]]:
    """The page's events as (kind label, name shown under it), in order."""
    return [(kind, name) for _when, kind, name in ITEM.findall(page)]


def test_the_calendar_page_lists_what_is_coming(app, client, auth, make):
    w = _world(app, make)
    auth.login("hocvien")
    page = client.get("/calendar").get_data(as_text=True)
    items = _items(page)
    assert ("Lớp học", f"{w.klass.name} ({w.klass.code})") in items
    assert "Địa điểm: Hội trường A" in page
    assert f"{(w.today + timedelta(days=3)).strftime('%d/%m/%Y')} 07:30–11:00" in page
    assert ("Buổi học", f"{w.klass.name}: Khai giảng") in items
    assert "Địa điểm: Phòng 201" in page
    assert ("Đi thực tế", "Xây dựng nông thôn mới") in items
    assert ("Hạn nộp bài", "Xây dựng nông thôn mới") in items
    assert f"{(w.today + timedelta(days=10)).strftime('%d/%m/%Y')} 17:00" in page  # the deadline, Vietnam time
    assert ("Hạn học phần", "Xây dựng Đảng") in items
    assert ("Hạn chương trình", "Bồi dưỡng Bí thư Đảng ủy xã") in items
    # Each name is said once, under its kind's label: never "Hạn học phần · Hạn học phần Xây dựng Đảng".
    assert not [name for kind, name in items if name.lower().startswith(kind.lower())]
    assert page.index("Khai giảng") < page.index("Xây dựng nông thôn mới")  # in date order


def test_a_module_of_two_programs_due_the_same_day_is_listed_once(app, client, auth, make):
    w = _world(app, make)
    module = make.learning_module("HP-2", title="Tư tưởng Hồ Chí Minh", lessons=("Bài 1",))
    for name in ("Bồi dưỡng Chủ tịch xã", "Bồi dưỡng Phó Chủ tịch xã"):
        program = make.learning_program(name, modules=[module], due_days=30)
        make.program_status(w.trainee, program, "in_progress", started_on=w.today)
    auth.login("hocvien")
    page = client.get("/calendar").get_data(as_text=True)
    assert _items(page).count(("Hạn học phần", "Tư tưởng Hồ Chí Minh")) == 1


def test_the_feed_is_valid_icalendar_in_vietnam_time_at_a_secret_address_that_can_be_reset(app, client, auth,
                                                                                          make):
    w = _world(app, make)
    auth.login("hocvien")
    assert client.post("/calendar/feed").status_code == 302
    with app.app_context():
        token = db.session.scalar(sa.select(CalendarFeed.token))
    page = client.get("/calendar").get_data(as_text=True)
    assert f"http://localhost/calendar/feed/{token}.ics" in page
    auth.logout()
    response = client.get(f"/calendar/feed/{token}.ics")  # no session: a phone's calendar
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    parsed = icalendar.Calendar.from_ical(response.data)
    [zone] = parsed.walk("VTIMEZONE")
    assert zone["TZID"] == "Asia/Ho_Chi_Minh"
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    opening = events[f"{w.klass.name}: Khai giảng"]
    assert opening["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    start = opening.decoded("DTSTART")
    assert (start.date(), start.time(), start.utcoffset()) == (w.today + timedelta(days=3), time(7, 30),
                                                               timedelta(hours=7))
    assert str(opening["LOCATION"]) == "Phòng 201"
    klass = events[f"Lớp {w.klass.name} ({w.klass.code})"]
    assert klass.decoded("DTSTART") == w.today + timedelta(days=3)  # a whole-day DATE
    assert klass.decoded("DTEND") == w.klass.ends_on + timedelta(days=1)  # DTEND is exclusive
    deadline = events["Hạn nộp bài thu hoạch: Xây dựng nông thôn mới"].decoded("DTSTART")
    assert (deadline.hour, deadline.utcoffset()) == (17, timedelta(hours=7))
    assert len({str(e["UID"]) for e in parsed.walk("VEVENT")}) == len(events) == 6
    # A trainee's class leads to their own classes page (the class page is for its staff).
    assert str(opening["URL"]) == f"http://localhost/my/classes#class-{w.klass.id}"
    # Resetting gives a new address; the old one stops working.
    auth.login("hocvien")
    client.post("/calendar/feed")
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 404


def test_the_feed_holds_only_its_owners_calendar(app, client, make):
    w = _world(app, make)
    with app.app_context():
        db.session.add(CalendarFeed(user_id=w.stranger.id, token="t" * 32))
        db.session.commit()
    body = client.get(f"/calendar/feed/{'t' * 32}.ics").data
    assert b"VEVENT" not in body
    assert client.get("/calendar/feed/guessed.ics").status_code == 404

