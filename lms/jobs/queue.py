"""The task queue: Huey with its SQLite storage in the instance folder, or Redis when LMS_REDIS_URL is set.

Tasks run in a consumer (`flask lms jobs worker`) inside an application context; each task's database
work is one transaction. Web requests never enqueue directly: `enqueue_after_commit` sends the task once
the request's transaction has committed, so a worker never looks for a row that is not there yet and a
rolled-back request sends nothing.

A periodic task runs once per scheduled time however many consumers run: the first to claim the time
(under a storage lock, which works on SQLite storage and on Redis alike) runs it, the others skip it.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.exceptions import TaskLockedException
from huey.storage import BlackHoleStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.extensions import db

log = logging.getLogger("lms.jobs")

# Tasks register on this instance at import time; its storage is the bound application's (see `bind`).
huey = Huey("lms", storage_class=BlackHoleStorage, results=False, utc=True)
_bound: dict = {"app": None}
_OUTBOX = "lms_jobs_outbox"
# How far back a schedule is searched for the time a periodic run belongs to (a monthly job at most).
_SLOT_SEARCH = timedelta(days=32)


def init_app(app: Flask) -> None:
    """Make the task modules known (the consumer must know every task by name)."""
    app.extensions["lms_jobs"] = {"storage": None}
    import lms.accounts.tasks  # noqa: F401
    import lms.jobs.periodic  # noqa: F401
    import lms.notifications.tasks  # noqa: F401
    import lms.supervision.tasks  # noqa: F401


def storage_for(app: Flask):
    """The application's queue storage, made on first use."""
    state = app.extensions["lms_jobs"]
    if state["storage"] is None:
        redis_url = app.config.get("REDIS_URL")
        name = app.config.get("JOBS_QUEUE_NAME", "lms")
        if redis_url:
            state["storage"] = RedisStorage(name, url=redis_url)
        else:
            path = app.config.get("JOBS_SQLITE") or os.path.join(app.instance_path, "jobs.sqlite3")
            state["storage"] = SqliteStorage(name, filename=path)
    return state["storage"]


def bind(app: Flask):
    """Point the queue at `app`'s storage; tasks then run in `app`'s context. Returns the Huey instance."""
    if _bound["app"] is not app:
        huey.storage = storage_for(app)
        _bound["app"] = app
    return huey


def bound_app() -> Flask:
    app = _bound["app"]
    if app is None:
        raise RuntimeError("the job queue is not bound to an application (lms.jobs.queue.bind)")
    return app


def task(name: str, **options):
    """A Huey task that runs in the application's context, as one transaction: committed when it returns."""

    def decorate(fn: Callable):
        return huey.task(name=name, **options)(_in_app_context(fn))

    return decorate


def _in_app_context(fn: Callable) -> Callable:
    @wraps(fn)
    def run(*args, **kwargs):
        with bound_app().app_context():
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except Exception:
                db.session.rollback()
                log.exception("task %s failed", fn.__name__)
                raise
            finally:
                db.session.remove()

    return run


def local_crontab(**fields) -> Callable[[datetime], bool]:
    """A crontab read in the site's time zone (BABEL_DEFAULT_TIMEZONE, Asia/Ho_Chi_Minh), given UTC times."""
    matches = crontab(**fields)

    def validate(utc_time: datetime) -> bool:
        app = current_app if has_app_context() else bound_app()  # the scheduler thread has no context
        zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
        return matches(utc_time.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None))

    validate.fields = fields
    return validate


def scheduled_time(schedule: Callable[[datetime], bool], now: datetime) -> datetime | None:
    """The latest time, to the minute and at most `now` (UTC), that `schedule` names."""
    minute = now.replace(second=0, microsecond=0)
    earliest = minute - _SLOT_SEARCH
    while minute > earliest:
        if schedule(minute):
            return minute
        minute -= timedelta(minutes=1)
    return None


def periodic(name: str, schedule: Callable[[datetime], bool]):
    """A periodic task that runs once per scheduled time across every consumer sharing the storage."""
    lock = huey.lock_task(f"periodic.{name}")  # made now, so a consumer started with flush_locks clears it
    claimed_key = f"lms.periodic.{name}.claimed"

    def decorate(fn: Callable):
        body = _in_app_context(fn)

        @wraps(fn)
        def run_once():
            due = scheduled_time(schedule, datetime.now(UTC).replace(tzinfo=None))
            if due is None or not _claim(lock, claimed_key, due):
                log.info("periodic task %s already ran for %s", name, due, extra={"task": name})
                return None
            log.info("periodic task %s runs for %s", name, due.isoformat(), extra={"task": name})
            return body()

        run_once.schedule = schedule
        return huey.periodic_task(schedule, name=name)(run_once)

    return decorate


def _claim(lock, key: str, due: datetime) -> bool:
    """Record that the run due at `due` is taken; False when another consumer took it (or holds the lock)."""
    try:
        with lock:
            last = huey.get(key, peek=True)
            if last is not None and last >= due.isoformat():
                return False
            huey.put(key, due.isoformat())
            return True
    except TaskLockedException:
        return False


def enqueue_after_commit(task_wrapper, *args) -> None:
    """Send `task_wrapper(*args)` to the queue once the current transaction commits (nothing on rollback)."""
    db.session.info.setdefault(_OUTBOX, []).append((task_wrapper, args))


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    waiting = session.info.pop(_OUTBOX, ())
    if waiting:
        bind(current_app._get_current_object())
    for task_wrapper, args in waiting:
        try:
            task_wrapper(*args)
        except Exception:
            log.exception("could not enqueue %s", task_wrapper.name)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop(_OUTBOX, None)
