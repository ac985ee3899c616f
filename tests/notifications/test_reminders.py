"""Scheduled reminders: each kind written for the right people, once however often the job runs, and mailed
once; each kind is one INSERT ... SELECT whatever the number of people."""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.delivery.models import NominationState, Submission, SubmissionStatus
from lms.extensions import db
from lms.jobs.models import Job
from lms.learning.models import ModuleState, ModuleStatus, ProgramStatus
from lms.notifications import mailing, reminders
from lms.notifications.kinds import kind
from tests.notifications.conftest import plain
from tests.notifications.helpers import notices

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 0, 0)  # 07:00 in Hà Nội


@pytest.fixture
def world(app, make):
    """A province admin, trainees with programs due soon, overdue, completed and expiring; a class starting
    tomorrow; a report waiting for grading."""
    province = make.unit("Tỉnh ủy")
    commune = make.unit("Xã Dân Hóa", parent=province)
    admin = make.admin("admin", scope=province)
    lecturer = make.lecturer("giangvien")
    soon, late, done, idle, long_late = (make.user(name, unit=commune)
                                         for name in ("sapden", "quahan", "xong", "ranh", "quahanlau"))
    module = make.learning_module("HP-1", title="Xây dựng Đảng", lessons=("Bài 1",))
    program = make.learning_program("Bồi dưỡng Bí thư Đảng ủy xã", modules=[module], due_days=10)
    make.program_status(soon, program, "in_progress", started_on=TODAY - timedelta(days=5),
                        due_on=TODAY + timedelta(days=5))
    make.program_status(late, program, "in_progress", started_on=TODAY - timedelta(days=60),
                        due_on=TODAY - timedelta(days=3))
    # Overdue for long: told back then; now only their admin's weekly summary counts them.
    make.program_status(long_late, program, "not_started", started_on=TODAY - timedelta(days=400),
                        due_on=TODAY - timedelta(days=220))
    make.program_status(done, program, "completed", started_on=TODAY - timedelta(days=400),
                        due_on=TODAY - timedelta(days=200), completed_at=NOW - timedelta(days=300))
    with app.app_context():
        db.session.execute(sa.update(ProgramStatus).where(ProgramStatus.user_id == done.id)
                           .values(valid_until=TODAY + timedelta(days=20)))
        # The overdue trainee finished the module itself: only the program is overdue for them.
        db.session.add(ModuleStatus(user_id=late.id, module_id=module.id, state=ModuleState.COMPLETED))
        db.session.commit()
    klass = make.training_class(module=module, unit=province, lecturers=[lecturer],
                                starts_on=TODAY + timedelta(days=1))
    make.nomination(klass, idle, NominationState.ENROLLED)
    make.nomination(klass, soon, NominationState.WITHDRAWN)
    trip = make.trip(klass)
    with app.app_context():
        db.session.add(Submission(trip_id=trip.id, trainee_id=idle.id, status=SubmissionStatus.SUBMITTED,
                                  submitted_at=NOW - timedelta(days=9)))
        db.session.commit()
    return type("W", (), dict(admin=admin, lecturer=lecturer, soon=soon, late=late, done=done, idle=idle,
                              module=module, program=program, klass=klass, trip=trip))


def _run(app, today=TODAY, now=NOW) -> dict:
    with app.app_context():
        written = reminders.run_reminders(today, now)
        db.session.commit()
        return written


def _kinds_by_user(app) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in notices(app):
        found.setdefault(row.user_id, []).append(row.kind)
    return {user: sorted(kinds) for user, kinds in found.items()}


def test_each_reminder_reaches_the_people_it_concerns(app, world):
    written = _run(app)
    assert written == {"class.starts_tomorrow": 1, "program.due_soon": 1, "program.overdue": 1,
                       "module.due_soon": 1, "module.overdue": 0, "overdue.summary": 1, "report.awaiting": 1,
                       "certificate.refresher_due": 1, "quiz.closing": 0}
    assert _kinds_by_user(app) == {
        world.soon.id: ["module.due_soon", "program.due_soon"],  # the module is due 10 days after the start
        world.late.id: ["program.overdue"],
        world.done.id: ["certificate.refresher_due"],
        world.idle.id: ["class.starts_tomorrow"],  # enrolled; the withdrawn trainee is not told
        world.admin.id: ["overdue.summary"],
        world.lecturer.id: ["report.awaiting"],
    }
    with app.test_request_context():
        texts = {row.kind: kind(row.kind).text(row.params) for row in notices(app)}
        assert texts["program.due_soon"] == (
            "Chương trình Bồi dưỡng Bí thư Đảng ủy xã cần hoàn thành trước ngày 06/12/2026.")
        assert texts["module.due_soon"] == (
            "Học phần Xây dựng Đảng (chương trình Bồi dưỡng Bí thư Đảng ủy xã) đến hạn ngày 06/12/2026.")
        assert texts["overdue.summary"] == "Tuần này đơn vị của bạn có 2 học viên quá hạn chương trình bồi dưỡng."
        assert texts["report.awaiting"] == '1 bài thu hoạch chuyến "Xây dựng nông thôn mới" đã chờ chấm hơn 7 ngày.'
        assert texts["class.starts_tomorrow"].startswith("Lớp ")
        assert "02/12/2026" in texts["class.starts_tomorrow"]
        assert texts["certificate.refresher_due"].endswith("hết hạn ngày 21/12/2026; hãy học lại để được cấp mới.")


def test_running_the_job_twice_the_same_day_sends_once(app, world, mailbox):
    with app.app_context():
        db.session.execute(sa.update(User).values(email="nguoi@xa.example.vn"))
        db.session.commit()
    first = _run(app)
    again = _run(app)
    assert sum(first.values()) == 7
    assert sum(again.values()) == 0
    with app.app_context():
        assert mailing.dispatch() == 7
        assert mailing.dispatch() == 0
    assert len(mailbox.messages) == 7
    subjects = sorted(m["Subject"] for m in mailbox.messages)
    assert "Chương trình Bồi dưỡng Bí thư Đảng ủy xã đã quá hạn từ ngày 28/11/2026." in subjects
    [summary] = [m for m in mailbox.messages if m["Subject"].startswith("Tuần này")]
    assert "http://localhost/dashboards/people?status=overdue" in plain(summary)


def test_the_next_day_brings_only_what_is_new(app, world):
    _run(app)
    tomorrow = _run(app, TODAY + timedelta(days=1), NOW + timedelta(days=1))
    # Nothing new is due; the weekly notices wait for next week; the class has started.
    assert sum(tomorrow.values()) == 0
    next_week = _run(app, TODAY + timedelta(days=7), NOW + timedelta(days=7))
    assert next_week["overdue.summary"] == 1  # a new week, a new summary
    assert next_week["report.awaiting"] == 1
    assert next_week["module.overdue"] == 1  # the module fell due on 06/12 and is still not done
    # The program due on 06/12 is overdue now; the one overdue last week is not told again.
    assert next_week["program.overdue"] == 1
    assert [r.user_id for r in notices(app, kind="program.overdue")] == [world.late.id, world.soon.id]


def test_inactive_people_get_no_reminder(app, world):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == world.soon.id).values(active=False))
        db.session.commit()
    _run(app)
    assert world.soon.id not in _kinds_by_user(app)


def test_each_kind_is_one_statement_however_many_people(app, world, make, statements):
    with statements() as few:
        _run(app)
    for n in range(12):
        user = make.user(f"them{n}")
        make.program_status(user, world.program, "in_progress", started_on=TODAY - timedelta(days=5),
                            due_on=TODAY + timedelta(days=2))
    with statements() as many:
        written = _run(app)
    assert written["program.due_soon"] == 12
    inserts = [s for s in many if s.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")]
    assert len(inserts) == 9  # one per kind
    assert len(many) == len(few)


def test_the_scheduled_job_is_recorded_with_what_it_wrote(app, world, storage, consumers):
    from huey.consumer import Scheduler

    from lms.jobs import queue

    consumers.start()
    six_in_hanoi = datetime(2026, 11, 30, 23, 0)
    Scheduler(queue.huey, stop_flag=None, interval=1, periodic=True).enqueue_periodic_tasks(six_in_hanoi)
    consumers.wait_for(1)
    with app.app_context():
        job = db.session.scalar(sa.select(Job).where(Job.kind == "notifications.reminders"))
        assert job.status == "done"
        assert set(job.result) == {"class.starts_tomorrow", "program.due_soon", "program.overdue",
                                   "module.due_soon", "module.overdue", "overdue.summary", "report.awaiting",
                                   "certificate.refresher_due", "quiz.closing"}
