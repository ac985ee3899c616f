"""Lesson progress, module and program completion, re-study after updates, refreshers and certificates."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import signals
from lms.accounts.models import User
from lms.audit import AuditEntry
from lms.curriculum.models import Lesson, Module, ModuleRevision
from lms.db import utcnow
from lms.errors import InvalidInput, NotAllowed
from lms.extensions import db
from lms.formats import local_today
from lms.learning import certificates, services
from lms.learning.models import (
    Certificate,
    LearningEvent,
    LessonProgress,
    ModuleRule,
    ModuleState,
    ModuleStatus,
    ProgramState,
    ProgramStatus,
)


def lessons_of(module) -> list[Lesson]:
    return db.session.get(Module, module.id).published.lessons


def events(user, verb=None, object_type=None):
    query = sa.select(LearningEvent).where(LearningEvent.user_id == user.id)
    if verb:
        query = query.where(LearningEvent.verb == verb)
    if object_type:
        query = query.where(LearningEvent.object_type == object_type)
    return db.session.scalars(query.order_by(LearningEvent.id)).all()


def status_of(user, module) -> ModuleStatus:
    return db.session.scalars(sa.select(ModuleStatus).where(ModuleStatus.user_id == user.id,
                                                            ModuleStatus.module_id == module.id)).one()


def program_status(user, program) -> ProgramStatus:
    return db.session.scalars(sa.select(ProgramStatus).where(ProgramStatus.user_id == user.id,
                                                             ProgramStatus.program_id == program.id)).one()


@pytest.fixture
def setup(ctx, make):
    """A commune Party secretary whose title requires a program of two modules."""
    title = make.title("Bí thư Đảng ủy xã")
    first = make.learning_module(title="Nghị quyết 32-NQ/TW", lessons=("Bối cảnh", "Nội dung chính"))
    second = make.learning_module(title="Xây dựng Đảng ở cơ sở", lessons=("Bài duy nhất",))
    program = make.learning_program("Bồi dưỡng Bí thư Đảng ủy xã", titles=[title], modules=[first, second],
                           validity_months=12, due_days=30)
    trainee = make.user("hocvien", full_name="Nguyễn Văn An", held=[title])
    return trainee, first, second, program


def test_titles_changed_creates_the_program_status(setup):
    trainee, _first, _second, program = setup
    status = program_status(trainee, program)
    assert status.state == ProgramState.NOT_STARTED
    assert (status.required_total, status.required_done) == (2, 0)
    assert status.due_on == local_today() + timedelta(days=30)


def test_opening_a_lesson_records_one_start_naming_its_revision(setup):
    trainee, first, _second, program = setup
    lesson = lessons_of(first)[0]
    signals.lesson_viewed.send(user=trainee, lesson=lesson)
    signals.lesson_viewed.send(user=trainee, lesson=lesson)  # a reload continues the visit: nothing written
    rows = db.session.scalars(sa.select(LessonProgress).where(LessonProgress.user_id == trainee.id)).all()
    assert len(rows) == 1
    assert rows[0].revision_id == lesson.revision_id
    assert rows[0].lesson_key == "l1"
    assert rows[0].completed_at is None
    assert [e.verb for e in events(trainee, object_type="lesson")] == ["launched"]
    rows[0].last_seen_at -= services.VISIT_GAP + timedelta(minutes=1)  # back after a long pause: a new visit
    db.session.flush()
    signals.lesson_viewed.send(user=trainee, lesson=lesson)
    signals.lesson_viewed.send(user=trainee, lesson=lesson)
    assert [e.verb for e in events(trainee, object_type="lesson")] == ["launched", "experienced"]
    assert status_of(trainee, first).state == ModuleState.IN_PROGRESS
    assert program_status(trainee, program).state == ProgramState.IN_PROGRESS


def test_completing_twice_completes_once(setup):
    trainee, first, _second, _program = setup
    lesson = lessons_of(first)[0]
    assert services.complete_lesson(trainee, lesson) is True
    assert services.complete_lesson(trainee, lesson) is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1
    assert len(events(trainee, "completed", "lesson")) == 1
    status = status_of(trainee, first)
    assert (status.lessons_done, status.lessons_total, status.state) == (1, 2, ModuleState.IN_PROGRESS)


def test_heartbeat_never_counts_more_than_the_real_time(setup):
    trainee, first, _second, _program = setup
    lesson = lessons_of(first)[0]
    assert services.heartbeat(trainee, lesson.id) == 0  # not opened: nothing to add to
    services.start_lesson(trainee, lesson)
    progress = db.session.scalars(sa.select(LessonProgress)).one()
    progress.last_seen_at -= timedelta(seconds=12)
    db.session.flush()
    assert services.heartbeat(trainee, lesson.id) in (12, 13)
    assert services.heartbeat(trainee, lesson.id) == 0  # no time has passed since
    progress.last_seen_at -= timedelta(hours=2)  # the tab slept: a beat is capped
    db.session.flush()
    assert services.heartbeat(trainee, lesson.id) == services.HEARTBEAT_CAP_SECONDS
    db.session.refresh(progress)
    assert progress.seconds_spent in (12 + 60, 13 + 60)


def test_program_completion_issues_a_certificate_once(setup):
    trainee, first, second, program = setup
    for lesson in lessons_of(first) + lessons_of(second):
        services.complete_lesson(trainee, lesson)
    assert status_of(trainee, first).state == ModuleState.COMPLETED
    assert status_of(trainee, first).completed_revision_id == db.session.get(Module, first.id).published_revision_id
    status = program_status(trainee, program)
    assert status.state == ProgramState.COMPLETED
    assert status.valid_until == services.add_months(local_today(), 12)
    certificate = db.session.scalars(sa.select(Certificate)).one()
    assert certificate.full_name == "Nguyễn Văn An"
    assert certificate.program_name == "Bồi dưỡng Bí thư Đảng ủy xã"
    assert len(certificate.code) >= 22  # token_urlsafe of >= 16 bytes: >= 128 bits
    assert [e.object_type for e in events(trainee, "completed")] == [
        "lesson", "lesson", "module", "lesson", "module", "program"]
    services.complete_lesson(trainee, lessons_of(second)[0])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_a_module_requiring_its_quiz_waits_for_a_pass(setup):
    trainee, first, _second, _program = setup
    db.session.add(ModuleRule(module_id=first.id, require_lessons=True, require_quiz=True))
    for lesson in lessons_of(first):
        services.complete_lesson(trainee, lesson)
    assert status_of(trainee, first).state == ModuleState.IN_PROGRESS
    services.record_quiz_passed(trainee.id, db.session.get(Module, first.id), utcnow())
    assert status_of(trainee, first).state == ModuleState.COMPLETED


def test_assignment_grades_count_at_or_above_the_pass_mark(setup):
    trainee, first, _second, _program = setup
    db.session.add(ModuleRule(module_id=first.id, require_lessons=False, require_assignment=True,
                              assignment_pass_mark=70.0))
    module = db.session.get(Module, first.id)
    signals.assignment_graded.send(user=trainee, module=module, passed=True, score=65.0,
                                   graded_at=utcnow(), actor=None)
    assert status_of(trainee, first).state != ModuleState.COMPLETED
    signals.assignment_graded.send(user=trainee, module=module, passed=True, score=70.0,
                                   graded_at=utcnow(), actor=None)
    assert status_of(trainee, first).state == ModuleState.COMPLETED
    assert [e.verb for e in events(trainee, object_type="assignment")] == ["failed", "passed"]


def test_a_restudy_revision_asks_for_review_and_a_minor_one_does_not(setup, make):
    trainee, first, second, program = setup
    other = make.user("hocvien2")
    services.complete_lesson(other, lessons_of(first)[0])  # in progress: not affected
    for lesson in lessons_of(first):
        services.complete_lesson(trainee, lesson)
    assert program_status(trainee, program).required_done == 1

    make.publish_revision(first, change_summary="Sửa lỗi chính tả")
    assert status_of(trainee, first).state == ModuleState.COMPLETED
    from lms.learning.queries import lesson_done

    assert lesson_done(trainee.id, lessons_of(first)[1])  # the same lesson in the minor revision

    make.publish_revision(first, requires_restudy=True, change_summary="Cập nhật theo Kết luận 09-KL/TW",
                          lessons=[("l1", "Bối cảnh", "Nội dung Bối cảnh."),
                                   ("l2", "Nội dung chính", "Nội dung mới theo 09-KL/TW.")])
    status = status_of(trainee, first)
    assert status.state == ModuleState.NEEDS_REVIEW
    assert program_status(trainee, program).required_done == 0
    assert status_of(other, first).state == ModuleState.IN_PROGRESS

    from lms.learning.queries import changes_since

    newer, changes = changes_since(db.session.get(Module, first.id), status.completed_revision_id)
    assert [r.change_summary for r in newer] == ["Sửa lỗi chính tả", "Cập nhật theo Kết luận 09-KL/TW"]
    assert [c.title for c in changes] == ["Nội dung chính"]
    assert ("ins", "+Nội dung mới theo 09-KL/TW.") in changes[0].diff

    lessons = lessons_of(first)
    assert not lesson_done(trainee.id, lessons[0])  # to be studied again
    services.complete_lesson(trainee, lessons[0])
    assert lesson_done(trainee.id, lessons[0])
    assert status_of(trainee, first).state == ModuleState.NEEDS_REVIEW
    services.complete_lesson(trainee, lessons[1])
    status = status_of(trainee, first)
    assert status.state == ModuleState.COMPLETED
    assert db.session.get(ModuleRevision, status.completed_revision_id).number == 3
    assert program_status(trainee, program).required_done == 1


def test_a_lapsed_refresher_is_due_again_and_keeps_its_history(setup):
    trainee, first, second, program = setup
    for lesson in lessons_of(first) + lessons_of(second):
        services.complete_lesson(trainee, lesson)
    status = program_status(trainee, program)
    status.valid_until = local_today() - timedelta(days=1)
    db.session.flush()
    services.ensure_program_statuses(db.session.get(User, trainee.id))
    status = program_status(trainee, program)
    assert (status.state, status.cycle, status.required_done) == (ProgramState.NOT_STARTED, 2, 0)
    assert status_of(trainee, first).state == ModuleState.NOT_STARTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    # Studying again completes the new cycle with a second certificate; the first stays.
    for lesson in lessons_of(first) + lessons_of(second):
        assert services.complete_lesson(trainee, lesson) is True
    assert program_status(trainee, program).state == ProgramState.COMPLETED
    assert [c.cycle for c in db.session.scalars(sa.select(Certificate).order_by(Certificate.id))] == [1, 2]


def test_refresh_command_starts_lapsed_cycles(setup, app):
    trainee, first, second, program = setup
    for lesson in lessons_of(first) + lessons_of(second):
        services.complete_lesson(trainee, lesson)
    assert services.refresh_lapsed(local_today()) == 0
    assert services.refresh_lapsed(services.add_months(local_today(), 12) + timedelta(days=1)) == 1
    assert program_status(trainee, program).state == ProgramState.NOT_STARTED


def test_revoking_needs_a_reason_and_an_admin_in_scope(setup, make, app):
    trainee, first, second, _program = setup
    for lesson in lessons_of(first) + lessons_of(second):
        services.complete_lesson(trainee, lesson)
    certificate = db.session.scalars(sa.select(Certificate)).one()
    outsider = make.admin()
    with app.test_request_context(), pytest.raises(NotAllowed):
        certificates.revoke_certificate(db.session.get(User, outsider.id), certificate, "Sai thông tin")
    admin = make.admin(scope=db.session.get(User, trainee.id).unit)
    with app.test_request_context(), pytest.raises(InvalidInput):
        certificates.revoke_certificate(admin, certificate, "  ")
    certificates.revoke_certificate(admin, certificate, "Cấp nhầm người")
    assert certificate.revoked_reason == "Cấp nhầm người"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "certificate.revoke")).one()
    assert entry.detail == {"reason": "Cấp nhầm người"}


def test_a_module_without_lessons_completes_by_its_graded_assignment(ctx, make):
    field_trip = make.learning_module(title="Đi thực tế tại xã Quảng Phú", lessons=())
    trainee = make.user()
    module = db.session.get(Module, field_trip.id)
    signals.assignment_graded.send(user=trainee, module=module, passed=False, score=30.0,
                                   graded_at=utcnow(), actor=None)
    assert status_of(trainee, field_trip).state != ModuleState.COMPLETED
    signals.assignment_graded.send(user=trainee, module=module, passed=True, score=80.0,
                                   graded_at=utcnow(), actor=None)
    assert status_of(trainee, field_trip).state == ModuleState.COMPLETED

