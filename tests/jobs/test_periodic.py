"""Periodic jobs run through the real queue (SQLite storage and Redis), once per scheduled time."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from huey.consumer import Scheduler

from lms.accounts.models import SignInFailure
from lms.db import utcnow
from lms.extensions import db
from lms.jobs import periodic, queue
from lms.jobs.models import Job, JobStatus

# 02:30 in Hà Nội is 19:30 UTC: the minute the sign-in purge is scheduled for.
PURGE_MINUTE_UTC = datetime(2026, 3, 9, 19, 30)


def _failures(app, *ages: timedelta) -> None:
    with app.app_context():
        db.session.add_all(SignInFailure(username="hocvien", failed_at=utcnow() - age) for age in ages)
        db.session.commit()


def _jobs(app, kind: str) -> list[Job]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Job).where(Job.kind == kind)))


def _remaining_failures(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure))


def _scheduler_fires(at: datetime) -> None:
    """What a consumer's scheduler does each minute: enqueue the periodic tasks due at that minute."""
    Scheduler(queue.huey, stop_flag=None, interval=1, periodic=True).enqueue_periodic_tasks(at)


def test_the_scheduler_enqueues_the_purge_and_a_consumer_runs_it(app, storage, consumers):
    _failures(app, timedelta(days=3), timedelta(days=2), timedelta(minutes=5))
    consumers.start()
    _scheduler_fires(PURGE_MINUTE_UTC)
    [(name, outcome)] = consumers.wait_for(1)
    assert (name, outcome) == ("accounts.purge_sign_in_failures", "complete")
    assert _remaining_failures(app) == 1  # the recent failure still counts towards a lockout
    [job] = _jobs(app, "accounts.purge_sign_in_failures")
    assert job.status == JobStatus.DONE
    assert job.result == {"deleted": 2}


def test_two_consumers_run_a_periodic_job_once(app, storage, consumers):
    _failures(app, timedelta(days=3))
    consumers.start(2)
    _scheduler_fires(PURGE_MINUTE_UTC)  # each consumer's scheduler enqueues it
    _scheduler_fires(PURGE_MINUTE_UTC)
    finished = consumers.wait_for(2)
    assert [name for name, _outcome in finished] == ["accounts.purge_sign_in_failures"] * 2
    assert len(_jobs(app, "accounts.purge_sign_in_failures")) == 1
    # The next scheduled time is another run.
    with app.app_context():
        queue.huey.delete("lms.periodic.accounts.purge_sign_in_failures.claimed")
    _failures(app, timedelta(days=3))
    _scheduler_fires(PURGE_MINUTE_UTC)
    consumers.wait_for(3)
    assert len(_jobs(app, "accounts.purge_sign_in_failures")) == 2
    assert _remaining_failures(app) == 0


def test_the_daily_refresher_is_scheduled_at_two_in_the_morning_site_time_as_documented(app, storage):
    runs_at = [datetime(2026, 3, 9, 0, 0) + timedelta(minutes=m) for m in range(24 * 60)]
    with app.app_context():
        due = [t for t in runs_at if periodic.DAILY_REFRESH(t)]
        assert due == [datetime(2026, 3, 9, 19, 0)]  # 02:00 in Asia/Ho_Chi_Minh (UTC+7)
        tasks = {task.name: task for task in queue.huey._registry.periodic_tasks}
        assert tasks["learning.refresh"].validate_datetime(datetime(2026, 3, 9, 19, 0))
    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text(encoding="utf-8")
    assert re.search(r"lapsed refresher.*02:00|02:00.*lapsed refresher", readme)


def test_the_daily_refresher_runs_through_the_queue(app, storage, consumers):
    consumers.start()
    _scheduler_fires(datetime(2026, 3, 9, 19, 0))
    [(name, outcome)] = consumers.wait_for(1)
    assert (name, outcome) == ("learning.refresh", "complete")
    [job] = _jobs(app, "learning.refresh")
    assert job.status == JobStatus.DONE
    assert job.result == {"due_again": 0}


def test_a_periodic_run_belongs_to_the_latest_scheduled_time(app):
    with app.app_context():
        assert queue.scheduled_time(periodic.DAILY_REFRESH, datetime(2026, 3, 10, 18, 59, 30)) == \
            datetime(2026, 3, 9, 19, 0)
        assert queue.scheduled_time(periodic.DAILY_REFRESH, datetime(2026, 3, 10, 19, 0, 5)) == \
            datetime(2026, 3, 10, 19, 0)


def test_the_hourly_sweep_removes_orphan_uploads_through_the_queue(app, storage, consumers, tmp_path, monkeypatch):
    import os
    import time

    from lms.delivery import files

    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    with app.app_context():
        folder = files.folder()
    folder.mkdir(parents=True, exist_ok=True)
    orphan, young = folder / ("e" * 40), folder / ("f" * 40)  # no row names either
    for path in (orphan, young):
        path.write_bytes(b"12345")
    two_hours_ago = time.time() - 7200
    os.utime(orphan, (two_hours_ago, two_hours_ago))
    consumers.start()
    _scheduler_fires(datetime(2026, 3, 9, 10, 45))  # minute 45 of every hour
    [(name, outcome)] = consumers.wait_for(1)
    assert (name, outcome) == ("files.sweep", "complete")
    assert not orphan.exists()
    assert young.exists()  # its upload may still be about to commit
    [job] = _jobs(app, "files.sweep")
    assert job.result == {"files": 1, "partial": 0, "bytes": 5, "dry_run": False}
