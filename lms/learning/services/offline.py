"""Progress made on a phone without a connection: lessons opened and completed, sent later as a batch.

The phone names each event with a key of its own and sends the batch again until it hears an answer, so
the same event may arrive twice (a lost answer, two tabs): the key is unique in `offline_events`, and an
event whose key is known is answered "duplicate" and changes nothing. Each event keeps the time it
happened, within bounds (not in the future, not older than the configured number of days, not before the
lesson's revision was published). An event for a lesson whose revision is no longer the published one is
refused: the trainee studied text that has since changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from lms.accounts.models import Role, User
from lms.curriculum.models import Lesson, ModuleRevision
from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from lms.formats import local_datetime
from lms.learning.models import ModuleStatus, OfflineEvent
from lms.learning.services.progress import complete_lesson, record_lesson_view
from lms.learning.services.records import dialect_insert

MAX_BATCH = 100
KINDS = ("opened", "completed")
KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A phone's clock a little ahead of the server's is not an error: such a time counts as now.
CLOCK_SKEW = timedelta(minutes=5)

APPLIED, DUPLICATE, REFUSED = "applied", "duplicate", "refused"


@dataclass(frozen=True)
class Outcome:
    """What became of one event: applied, duplicate (applied before) or refused (with the reason)."""

    key: str
    status: str
    message: str = ""

    def as_dict(self) -> dict:
        return {"key": self.key, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class _Event:
    key: str
    kind: str
    lesson_id: int
    revision_id: int
    at: datetime  # naive UTC


def read_batch(payload) -> list:
    """The events of a sync request; InvalidInput when the request as a whole cannot be read."""
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        raise InvalidInput(_("Dữ liệu gửi lên không đúng dạng: cần một danh sách sự kiện học tập (events)."))
    if len(events) > MAX_BATCH:
        raise InvalidInput(_("Mỗi lần gửi tối đa %(n)d sự kiện, lần này có %(got)d. Không có sự kiện nào được "
                             "ghi; hãy gửi thành nhiều lần.", n=MAX_BATCH, got=len(events)))
    return events


def _whole(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 else None


def _parse(raw) -> _Event | Outcome:
    key = raw.get("key") if isinstance(raw, dict) else None
    if not isinstance(key, str) or not KEY.match(key):
        return Outcome(str(key)[:64] if key is not None else "", REFUSED,
                       _("Sự kiện thiếu mã định danh hợp lệ (8 đến 64 chữ cái, chữ số, dấu gạch)."))
    if raw.get("kind") not in KINDS:
        return Outcome(key, REFUSED, _("Loại sự kiện không hợp lệ: chỉ nhận “opened” (mở bài học) hoặc "
                                       "“completed” (hoàn thành bài học)."))
    lesson_id, revision_id = _whole(raw.get("lesson_id")), _whole(raw.get("revision_id"))
    if lesson_id is None or revision_id is None:
        return Outcome(key, REFUSED, _("Sự kiện thiếu số hiệu bài học hoặc số hiệu phiên bản."))
    at = raw.get("at")
    try:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        return Outcome(key, REFUSED, _("Thời điểm của sự kiện không đúng dạng (cần ngày giờ kèm múi giờ, ví dụ "
                                       "2026-12-01T08:30:00Z)."))
    return _Event(key, raw["kind"], lesson_id, revision_id, moment.astimezone(UTC).replace(tzinfo=None))


def apply_offline_events(user: User, raw_events: list, *, max_days: int) -> list[Outcome]:
    """Apply each event of the batch once, at the time it happened; one outcome per event, in batch order."""
    now = utcnow()
    parsed = [_parse(raw) for raw in raw_events]
    events = [e for e in parsed if isinstance(e, _Event)]
    keys = {e.key for e in events}
    known = dict(db.session.execute(
        sa.select(OfflineEvent.key, OfflineEvent.user_id).where(OfflineEvent.key.in_(keys))).all()) if keys else {}
    lessons = {lesson.id: lesson for lesson in db.session.scalars(
        sa.select(Lesson).options(joinedload(Lesson.revision).joinedload(ModuleRevision.module))
        .where(Lesson.id.in_({e.lesson_id for e in events})))} if events else {}
    resets = dict(db.session.execute(
        sa.select(ModuleStatus.module_id, ModuleStatus.since).where(
            ModuleStatus.user_id == user.id,
            ModuleStatus.module_id.in_({lesson.revision.module_id for lesson in lessons.values()})))
        .all()) if lessons else {}

    outcomes: list[Outcome | None] = [item if isinstance(item, Outcome) else None for item in parsed]
    seen: set[str] = set()
    order = sorted((i for i, item in enumerate(parsed) if isinstance(item, _Event)), key=lambda i: parsed[i].at)
    for index in order:  # in the order they happened
        event = parsed[index]
        if event.key in seen or event.key in known:
            outcomes[index] = _duplicate(event.key, known.get(event.key, user.id), user)
            continue
        seen.add(event.key)
        lesson = lessons.get(event.lesson_id)
        refusal = _refusal(event, lesson, now, max_days, resets)
        if refusal:
            outcomes[index] = Outcome(event.key, REFUSED, refusal)
            continue
        outcomes[index] = _apply(user, event, lesson, min(event.at, now))
    return outcomes


def _duplicate(key: str, owner_id: int, user: User) -> Outcome:
    if owner_id != user.id:
        return Outcome(key, REFUSED, _("Mã định danh của sự kiện đã được dùng cho một sự kiện khác."))
    return Outcome(key, DUPLICATE)


def _refusal(event: _Event, lesson: Lesson | None, now: datetime, max_days: int, resets: dict) -> str | None:
    """Why the event cannot be applied, or None."""
    when = local_datetime(event.at)
    if lesson is None or lesson.revision.is_draft:
        return _("Không tìm thấy bài học này; có thể bài học đã bị gỡ.")
    module = lesson.revision.module
    if lesson.revision_id != event.revision_id or module.published_revision_id != lesson.revision_id:
        return _("Bài “%(title)s” đã có phiên bản mới nên việc học ngoài mạng trên bản cũ lúc %(when)s không được "
                 "ghi nhận. Hãy mở bản mới khi có mạng và học lại bài này.", title=lesson.title, when=when)
    if event.at > now + CLOCK_SKEW:
        return _("Thời điểm %(when)s ở tương lai nên không được ghi nhận: hãy kiểm tra ngày giờ của điện thoại.",
                 when=when)
    if event.at < now - timedelta(days=max_days):
        return _("Việc học bài “%(title)s” lúc %(when)s đã quá %(days)d ngày nên không được ghi nhận.",
                 title=lesson.title, when=when, days=max_days)
    if lesson.revision.published_at is not None and event.at < lesson.revision.published_at:
        return _("Thời điểm %(when)s sớm hơn ngày bài “%(title)s” được xuất bản nên không được ghi nhận: hãy kiểm "
                 "tra ngày giờ của điện thoại.", when=when, title=lesson.title)
    since = resets.get(module.id)
    if since is not None and event.at < since:
        return _("Học phần của bài “%(title)s” đã được đặt lại để học lại từ %(since)s; việc học lúc %(when)s "
                 "không còn được tính.", title=lesson.title, since=local_datetime(since), when=when)
    return None


def _apply(user: User, event: _Event, lesson: Lesson, at: datetime) -> Outcome:
    stmt = (dialect_insert(OfflineEvent)
            .values(key=event.key, user_id=user.id, kind=event.kind, lesson_id=lesson.id, happened_at=at,
                    received_at=utcnow())
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(OfflineEvent.id))
    if db.session.execute(stmt).scalar() is None:  # the same event, sent again at the same moment
        return Outcome(event.key, DUPLICATE)
    if event.kind == "completed":
        complete_lesson(user, lesson, at=at)
    elif user.has_role(Role.TRAINEE):  # as for a view online: only a trainee's reading is recorded
        record_lesson_view(user, lesson, at=at)
    return Outcome(event.key, APPLIED)
