"""Progress made on a phone without a connection and sent later: each event applied once, at the time it
happened, within bounds; events for a lesson that has since changed are refused with a message."""
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from lms.curriculum.models import Lesson, Module, ModuleRevision
from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from lms.learning.models import LearningEvent, LessonProgress, ModuleStatus, OfflineEvent
from lms.learning.services import offline

MAX_DAYS = 30


def iso(moment) -> str:
    """As the phone writes it (JavaScript's toISOString)."""
    return moment.replace(tzinfo=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def setup(ctx, make):
    title = make.title("Bí thư chi bộ")
    module = make.learning_module(title="Công tác xây dựng chi bộ", lessons=("Vai trò", "Sinh hoạt", "Kết nạp"))
    db.session.get(ModuleRevision, module.published_revision_id).published_at = utcnow() - timedelta(days=10)
    db.session.commit()
    make.learning_program("Bồi dưỡng Bí thư chi bộ", titles=[title], modules=[module])
    trainee = make.user("hocvien", held=[title])
    return trainee, module


def lessons_of(module) -> list[Lesson]:
    return db.session.get(Module, module.id).published.lessons


def event(key, kind, lesson, at, revision_id=None) -> dict:
    return {"key": key, "kind": kind, "lesson_id": lesson.id, "revision_id": revision_id or lesson.revision_id,
            "at": iso(at)}


def send(user, events):
    outcomes = offline.apply_offline_events(db.session.merge(user), events, max_days=MAX_DAYS)
    db.session.commit()
    return [(o.status, o.message) for o in outcomes]


def progress_of(user, lesson) -> LessonProgress | None:
    return db.session.scalars(sa.select(LessonProgress).where(LessonProgress.user_id == user.id,
                                                              LessonProgress.lesson_id == lesson.id)).one_or_none()


def statements(user, verb):
    return db.session.scalars(sa.select(LearningEvent).where(LearningEvent.user_id == user.id,
                                                             LearningEvent.verb == verb)).all()


def test_a_lesson_completed_offline_counts_once_at_the_time_it_happened(setup):
    trainee, module = setup
    first, second, _third = lessons_of(module)
    opened_at, done_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=2, minutes=40)
    batch = [event("k-opened-1", "opened", first, opened_at), event("k-complete-1", "completed", first, done_at),
             event("k-complete-2", "completed", second, done_at + timedelta(minutes=20))]
    assert send(trainee, batch) == [("applied", "")] * 3
    # The answer was lost: the phone sends the same batch again, and nothing changes.
    assert send(trainee, batch) == [("duplicate", "")] * 3

    progress = progress_of(trainee, first)
    assert progress.started_at == opened_at.replace(microsecond=opened_at.microsecond // 1000 * 1000)
    assert abs(progress.completed_at - done_at) < timedelta(milliseconds=1)
    completed = statements(trainee, "completed")
    assert sorted(s.object_id for s in completed) == [first.id, second.id]
    assert all(s.timestamp < s.stored for s in completed)  # when it happened, and when the server heard of it
    assert [s.object_id for s in statements(trainee, "launched")] == [first.id]
    status = db.session.scalars(sa.select(ModuleStatus).where(ModuleStatus.user_id == trainee.id)).one()
    assert (status.lessons_done, status.lessons_total) == (2, 3)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OfflineEvent)) == 3


def test_the_same_key_twice_in_one_batch_is_applied_once(setup):
    trainee, module = setup
    first = lessons_of(module)[0]
    at = utcnow() - timedelta(minutes=5)
    assert send(trainee, [event("k-twice-0001", "completed", first, at)] * 2) == [("applied", ""), ("duplicate", "")]
    assert len(statements(trainee, "completed")) == 1


def test_a_lesson_of_a_revision_no_longer_current_is_refused_with_a_message(setup, make):
    trainee, module = setup
    old_first = lessons_of(module)[0]
    make.publish_revision(module)
    at = utcnow() - timedelta(hours=1)
    [(status, message)] = send(trainee, [event("k-stale-0001", "completed", old_first, at)])
    assert status == "refused"
    assert "Vai trò" in message
    assert "phiên bản mới" in message
    assert progress_of(trainee, old_first) is None
    # Refused events are not remembered: sent again, the same answer.
    assert send(trainee, [event("k-stale-0001", "completed", old_first, at)])[0][0] == "refused"
    # A client that names another revision than the lesson's is refused the same way.
    new_first = lessons_of(module)[0]
    assert send(trainee, [event("k-stale-0002", "completed", new_first, at, revision_id=old_first.revision_id)]
                )[0][0] == "refused"


def test_times_out_of_bounds_are_refused_with_the_reason(setup):
    trainee, module = setup
    first = lessons_of(module)[0]
    now = utcnow()
    outcomes = send(trainee, [
        event("k-future-001", "completed", first, now + timedelta(hours=2)),
        event("k-too-old-01", "completed", first, now - timedelta(days=MAX_DAYS + 1)),
        event("k-unpublish1", "opened", first, now - timedelta(days=11)),  # before the revision was published
    ])
    assert [status for status, _message in outcomes] == ["refused"] * 3
    assert "tương lai" in outcomes[0][1]
    assert "ngày giờ của điện thoại" in outcomes[0][1]
    assert f"quá {MAX_DAYS} ngày" in outcomes[1][1]
    assert "xuất bản" in outcomes[2][1]
    assert progress_of(trainee, first) is None


def test_a_phone_clock_a_little_ahead_counts_as_now(setup):
    trainee, module = setup
    first = lessons_of(module)[0]
    before = utcnow()
    assert send(trainee, [event("k-skew-0001", "completed", first, utcnow() + timedelta(minutes=2))])[0][0] == "applied"
    assert before <= progress_of(trainee, first).completed_at <= utcnow()


def test_work_before_a_module_was_reset_for_re_study_is_refused(setup):
    trainee, module = setup
    first = lessons_of(module)[0]
    send(trainee, [event("k-open-00001", "opened", first, utcnow() - timedelta(days=2))])
    db.session.scalars(sa.select(ModuleStatus).where(ModuleStatus.user_id == trainee.id)).one().since = (
        utcnow() - timedelta(days=1))
    db.session.commit()
    before_reset = utcnow() - timedelta(days=1, hours=1)
    [(status, message)] = send(trainee, [event("k-before-rs1", "completed", first, before_reset)])
    assert status == "refused"
    assert "học lại" in message


def test_a_key_another_trainee_used_is_refused(setup, make):
    trainee, module = setup
    first = lessons_of(module)[0]
    other = make.user("khac")
    at = utcnow() - timedelta(minutes=3)
    send(trainee, [event("k-shared-key", "completed", first, at)])
    [(status, message)] = send(other, [event("k-shared-key", "completed", first, at)])
    assert status == "refused"
    assert "đã được dùng" in message
    assert progress_of(other, first) is None


@pytest.mark.parametrize(("change", "words"), [
    ({"key": "short"}, "mã định danh"),
    ({"key": None}, "mã định danh"),
    ({"kind": "passed"}, "Loại sự kiện"),
    ({"lesson_id": "abc"}, "số hiệu bài học"),
    ({"revision_id": None}, "số hiệu bài học"),
    ({"lesson_id": True}, "số hiệu bài học"),
    ({"at": "hôm qua"}, "Thời điểm"),
    ({"at": "2026-12-01T08:30:00"}, "múi giờ"),  # without a zone it could be any time
    ({"lesson_id": 999_999}, "Không tìm thấy bài học"),
])
def test_bad_events_are_refused_one_by_one_with_a_clear_message(setup, change, words):
    trainee, module = setup
    first = lessons_of(module)[0]
    good = event("k-good-0001", "completed", first, utcnow() - timedelta(minutes=1))
    bad = {**event("k-bad-00001", "opened", first, utcnow() - timedelta(minutes=2)), **change}
    outcomes = send(trainee, [bad, good])
    assert outcomes[0][0] == "refused"
    assert words in outcomes[0][1]
    assert outcomes[1] == ("applied", "")  # the good event of the same batch is kept


@pytest.mark.parametrize("payload", [None, [], {"events": "all"}, {"events": [{}] * (offline.MAX_BATCH + 1)}])
def test_a_batch_that_cannot_be_read_is_refused_whole(payload):
    with pytest.raises(InvalidInput) as refused:
        offline.read_batch(payload)
    assert refused.value.message
