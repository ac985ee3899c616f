"""Fixtures of the real queue (a pytest plugin, see tests/conftest.py): Huey on a SQLite file or on Redis,
with consumers running in threads.

Redis: LMS_TEST_REDIS_URL (default redis://127.0.0.1:6379/0); each test uses its own queue name and
leaves no key behind.
"""
from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR, SIGNAL_LOCKED
from huey.storage import RedisStorage, SqliteStorage

from lms.jobs import queue

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _use_storage(app, storage):
    app.extensions["lms_jobs"]["storage"] = storage
    queue._bound["app"] = None
    queue.bind(app)


@pytest.fixture(params=["sqlite", "redis"])
def storage(request, app, tmp_path):
    """Each test runs once with the embedded SQLite storage and once on Redis."""
    name = f"lms-test-{uuid.uuid4().hex[:12]}"
    if request.param == "redis":
        made = RedisStorage(name, url=REDIS_URL)
    else:
        made = SqliteStorage(name, filename=str(tmp_path / "jobs.sqlite3"))
    saved = app.extensions["lms_jobs"]["storage"]
    _use_storage(app, made)
    yield made
    made.flush_all()
    if request.param == "redis":
        assert made.conn.keys(f"*{name}*") == []
        made.pool.disconnect()
    else:
        made.close()
    _use_storage(app, saved) if saved is not None else app.extensions["lms_jobs"].update(storage=None)
    queue._bound["app"] = None


@pytest.fixture
def sqlite_storage(app, tmp_path):
    made = SqliteStorage(f"lms-test-{uuid.uuid4().hex[:12]}", filename=str(tmp_path / "jobs.sqlite3"))
    saved = app.extensions["lms_jobs"]["storage"]
    _use_storage(app, made)
    yield made
    made.close()
    app.extensions["lms_jobs"]["storage"] = saved
    queue._bound["app"] = None


class Consumers:
    """Consumers in threads, as `flask lms jobs worker` runs them; stopped at the end of the test."""

    def __init__(self):
        self.running = []
        self.finished = []  # (task name, signal) for every task a consumer finished
        self._handlers = {s: signal.getsignal(s) for s in _SIGNALS}
        queue.huey.signal(SIGNAL_COMPLETE, SIGNAL_ERROR, SIGNAL_LOCKED)(self._seen)

    def _seen(self, sig, task, *_args, **_kwargs):
        self.finished.append((getattr(task, "name", type(task).__name__), sig))

    def start(self, count: int = 1) -> None:
        for _ in range(count):
            consumer = queue.huey.create_consumer(workers=1, periodic=False, worker_type="thread",
                                                  check_worker_health=False, initial_delay=0.02, max_delay=0.1)
            consumer.start()
            self.running.append(consumer)

    def wait_for(self, count: int, timeout: float = 30) -> list:
        """Wait until `count` tasks have finished; returns them."""
        deadline = time.monotonic() + timeout
        while len(self.finished) < count:
            assert time.monotonic() < deadline, f"only {len(self.finished)} of {count} tasks finished"
            time.sleep(0.02)
        return list(self.finished)

    def stop(self) -> None:
        for consumer in self.running:
            consumer.stop(graceful=True)
        self.running = []
        queue.huey.disconnect_signal(self._seen)
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)


@pytest.fixture
def consumers(app):
    """Start consumers with `consumers.start(n)`; the queue starts and ends empty."""
    queue.bind(app).storage.flush_all()
    made = Consumers()
    yield made
    made.stop()
    queue.huey.storage.flush_all()
