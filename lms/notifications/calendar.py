"""A person's calendar: their classes (dates and place) and the sessions of their timetables, field trips
and report deadlines, module and program due dates; and the same as a personal iCalendar feed (RFC 5545)
at a secret address that phone calendars subscribe to.

Every source is a function of (user, first day, last day) in SOURCES: a new kind of dated thing is one more
function there. Times are Vietnam time with the zone declared
(TZID=Asia/Ho_Chi_Minh and its VTIMEZONE); whole days are DATE values.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from lms.accounts.models import User
from lms.curriculum.models import Module, ModuleRevision, Program, ProgramModule
from lms.db import utcnow
from lms.delivery.models import FieldTrip, Nomination, NominationState, TrainingClass, class_lecturers
from lms.delivery.timetable_models import ClassSession
from lms.extensions import db
from lms.formats import local_today, to_local, zone
from lms.learning.models import ModuleState, ModuleStatus, ProgramState, ProgramStatus, Quiz, QuizAttempt
from lms.notifications.models import CalendarFeed

TOKEN_BYTES = 24
TAKING = (NominationState.NOMINATED, NominationState.APPROVED, NominationState.ENROLLED)
PAST_DAYS, FUTURE_DAYS = 60, 400


@dataclass(frozen=True)
class Event:
    uid: str  # stable across feeds: calendars update the event instead of adding another
    kind: str  # class, session, trip, deadline, module_due, program_due, quiz_opens, quiz_closes
    title: str
    start: date | datetime  # a date (whole day) or a local datetime
    end: date | datetime | None = None  # exclusive for whole days; None: a moment (a deadline)
    place: str = ""
    url: str = ""
    # What the calendar page shows under the kind's label: the title without the kind's words (the feed's title
    # says the kind itself, since a phone's calendar shows no label). Empty: the title.
    name: str = ""

    @property
    def day(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start

    @property
    def clock(self) -> time | None:
        """The local time of day, or None for a whole-day event (listed first on its day)."""
        return self.start.timetz().replace(tzinfo=None) if isinstance(self.start, datetime) else None


def _classes(user: User) -> sa.Select:
    """The ids of the classes a person takes (nominated to, approved, enrolled) or teaches."""
    taking = sa.select(Nomination.class_id).where(Nomination.trainee_id == user.id, Nomination.state.in_(TAKING))
    teaching = sa.select(class_lecturers.c.class_id).where(class_lecturers.c.user_id == user.id)
    return sa.union(taking, teaching)


def _class_url(user: User):
    """Where a class leads: its page for the lecturers who teach it, the person's own classes page for those who
    take it (the class page is for its staff)."""
    taught = set(db.session.scalars(sa.select(class_lecturers.c.class_id).where(class_lecturers.c.user_id == user.id)))

    def url(class_id: int) -> str:
        if class_id in taught:
            return url_for("delivery.class_page", class_id=class_id)
        return url_for("delivery.my_classes", _anchor=f"class-{class_id}")

    return url


def class_events(user: User, first: date, last: date) -> list[Event]:
    rows = db.session.scalars(sa.select(TrainingClass).where(
        TrainingClass.id.in_(_classes(user)), TrainingClass.starts_on <= last, TrainingClass.ends_on >= first)).all()
    class_url = _class_url(user) if rows else None
    return [Event(f"class-{k.id}", "class", _("Lớp %(name)s (%(code)s)", name=k.name, code=k.code), k.starts_on,
                  k.ends_on + timedelta(days=1), k.place, class_url(k.id), name=f"{k.name} ({k.code})")
            for k in rows]


def session_events(user: User, first: date, last: date) -> list[Event]:
    rows = db.session.execute(
        sa.select(ClassSession, TrainingClass.name, TrainingClass.place)
        .join(TrainingClass, TrainingClass.id == ClassSession.class_id)
        .where(ClassSession.class_id.in_(_classes(user)), ClassSession.held_on.between(first, last))
    ).all()
    tz = zone()
    events = []
    class_url = _class_url(user) if rows else None
    for session, class_name, class_place in rows:
        starts = datetime.combine(session.held_on, session.starts_at, tz)
        ends = datetime.combine(session.held_on, session.ends_at, tz)
        title = f"{class_name}: {session.topic}" if session.topic else class_name
        events.append(Event(f"session-{session.id}", "session", title, starts, ends, session.room or class_place,
                            class_url(session.class_id)))
    return events


def trip_events(user: User, first: date, last: date) -> list[Event]:
    rows = db.session.scalars(sa.select(FieldTrip).where(
        FieldTrip.class_id.in_(_classes(user)),
        sa.or_(FieldTrip.starts_on.between(first, last), FieldTrip.deadline.between(
            datetime.combine(first, time()), datetime.combine(last + timedelta(days=1), time()))))).all()
    events = []
    for trip in rows:
        link = url_for("delivery.trip_page", trip_id=trip.id)
        events.append(Event(f"trip-{trip.id}", "trip", _("Đi thực tế: %(topic)s", topic=trip.topic),
                            trip.starts_on, trip.ends_on + timedelta(days=1), trip.site, link, name=trip.topic))
        events.append(Event(f"deadline-{trip.id}", "deadline",
                            _("Hạn nộp bài thu hoạch: %(topic)s", topic=trip.topic), to_local(trip.deadline),
                            url=link, name=trip.topic))
    return events


def due_events(user: User, first: date, last: date) -> list[Event]:
    """Programs the person has not completed, their due dates and their required modules' due dates."""
    statuses = db.session.execute(
        sa.select(ProgramStatus, Program.name).join(Program, Program.id == ProgramStatus.program_id)
        .where(ProgramStatus.user_id == user.id, ProgramStatus.state != ProgramState.COMPLETED)
    ).all()
    if not statuses:
        return []
    program_ids = [status.program_id for status, _name in statuses]
    items = db.session.execute(
        sa.select(ProgramModule.program_id, ProgramModule.module_id, ProgramModule.due_days,
                  sa.func.coalesce(ModuleRevision.title, Module.code))
        .join(Module, Module.id == ProgramModule.module_id)
        .outerjoin(ModuleRevision, ModuleRevision.id == Module.published_revision_id)
        .where(ProgramModule.program_id.in_(program_ids), ProgramModule.required, ProgramModule.due_days.is_not(None))
    ).all()
    done = set(db.session.scalars(sa.select(ModuleStatus.module_id).where(
        ModuleStatus.user_id == user.id, ModuleStatus.state == ModuleState.COMPLETED)))
    events, dated = [], set()  # a module in two of the person's programs, due the same day, is listed once
    for status, name in statuses:
        if status.due_on and first <= status.due_on <= last:
            events.append(Event(f"program-{status.id}-{status.cycle}", "program_due",
                                _("Hạn hoàn thành chương trình %(name)s", name=name), status.due_on,
                                status.due_on + timedelta(days=1), url=url_for("curriculum.my_curriculum"), name=name))
        for program_id, module_id, due_days, title in items:
            due = status.started_on + timedelta(days=due_days)
            if (program_id == status.program_id and module_id not in done and first <= due <= last
                    and (module_id, due) not in dated):
                dated.add((module_id, due))
                events.append(Event(f"module-{status.id}-{status.cycle}-{module_id}", "module_due",
                                    _("Hạn học phần %(title)s", title=title), due, due + timedelta(days=1),
                                    url=url_for("curriculum.module_page", module_id=module_id), name=title))
    return events


def not_passed(user_id) -> sa.ColumnElement:
    """The person (a value or a column) has no passing attempt at the quiz of the enclosing query."""
    return ~sa.exists(sa.select(QuizAttempt.id).where(QuizAttempt.quiz_id == Quiz.id, QuizAttempt.user_id == user_id,
                                                      QuizAttempt.passed.is_(True)))


def quizzes_to_take(user: User) -> sa.Select:
    """The quizzes a person is to take: of published modules in a program they study (not completed), not
    passed yet."""
    studied = (sa.select(ProgramModule.module_id)
               .join(ProgramStatus, ProgramStatus.program_id == ProgramModule.program_id)
               .where(ProgramStatus.user_id == user.id, ProgramStatus.state != ProgramState.COMPLETED))
    return (sa.select(Quiz).join(Module, Module.id == Quiz.module_id)
            .where(Module.published_revision_id.is_not(None), Quiz.module_id.in_(studied), not_passed(user.id)))


def quiz_events(user: User, first: date, last: date) -> list[Event]:
    """The windows of the quizzes the person is to take: when each opens and when it closes, two moments
    rather than one long event (a window of weeks would mark the whole span busy on a phone, and its closing
    would not show on its own day on the calendar page)."""
    start, end = datetime.combine(first, time()), datetime.combine(last + timedelta(days=1), time())
    rows = db.session.scalars(quizzes_to_take(user).where(
        sa.or_(Quiz.opens_at.between(start, end), Quiz.closes_at.between(start, end)))).all()
    events = []
    for quiz in rows:
        link = url_for("learning.quiz", module_id=quiz.module_id)
        if quiz.opens_at is not None and start <= quiz.opens_at <= end:
            events.append(Event(f"quiz-opens-{quiz.id}", "quiz_opens", _("Mở bài kiểm tra: %(title)s",
                                                                          title=quiz.title),
                                to_local(quiz.opens_at), url=link, name=quiz.title))
        if quiz.closes_at is not None and start <= quiz.closes_at <= end:
            events.append(Event(f"quiz-closes-{quiz.id}", "quiz_closes", _("Đóng bài kiểm tra: %(title)s",
                                                                            title=quiz.title),
                                to_local(quiz.closes_at), url=link, name=quiz.title))
    return events


SOURCES: tuple[Callable[[User, date, date], list[Event]], ...] = (class_events, session_events, trip_events,
                                                                  due_events, quiz_events)


def events_for(user: User, first: date | None = None, last: date | None = None) -> list[Event]:
    """Everything dated that concerns the person between two days (by default, two months back to a year on)."""
    today = local_today()
    first = first or today - timedelta(days=PAST_DAYS)
    last = last or today + timedelta(days=FUTURE_DAYS)
    events = [event for source in SOURCES for event in source(user, first, last)]
    return sorted(events, key=lambda e: (e.day, e.clock or time.min, e.title))


# --- the feed --------------------------------------------------------------------------------------------

def feed_token(user: User) -> str | None:
    return db.session.scalar(sa.select(CalendarFeed.token).where(CalendarFeed.user_id == user.id))


def reset_feed(user: User) -> str:
    """A new secret address for the person's feed; the old one stops working at once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        db.session.add(CalendarFeed(user_id=user.id, token=token))
    else:
        feed.token, feed.created_at = token, utcnow()
    db.session.flush()
    return token


def owner_of(token: str) -> User | None:
    return db.session.scalar(sa.select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                             .where(CalendarFeed.token == token, User.active))


def ical(user: User, events: list[Event]) -> bytes:
    """The events as an RFC 5545 calendar, its times in the site's zone with the VTIMEZONE declared."""
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    host = urlsplit(base).hostname or "localhost"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//LLCT//Lich hoc tap//VI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Lịch học tập của %(name)s", name=user.full_name))
    calendar.add("x-wr-timezone", current_app.config["TIMEZONE"])
    stamp = datetime.now(UTC)
    for event in events:
        item = icalendar.Event()
        item.add("uid", f"{event.uid}@{host}")
        item.add("dtstamp", stamp)
        item.add("summary", event.title)
        item.add("dtstart", event.start)
        if event.end is not None:
            item.add("dtend", event.end)
        if event.place:
            item.add("location", event.place)
        if event.url:
            item.add("url", base + event.url)
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return calendar.to_ical()
