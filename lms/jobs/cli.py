"""`flask lms jobs worker`: the consumer that runs background tasks and the periodic jobs."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Công việc nền và công việc định kỳ.")


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=None, help="threads running tasks (default LMS_JOBS_WORKERS)")
def worker_command(workers: int | None):
    """Run queued tasks and the periodic jobs until stopped (Ctrl-C or SIGTERM finish the running task first)."""
    from lms.jobs import queue

    app = current_app._get_current_object()
    huey = queue.bind(app)
    # flush_locks: a consumer killed while claiming a periodic run leaves no lock behind on SQLite storage.
    consumer = huey.create_consumer(workers=workers or app.config["JOBS_WORKERS"], worker_type="thread",
                                    periodic=True, flush_locks=True, graceful_signal="TERM")
    consumer.run()
