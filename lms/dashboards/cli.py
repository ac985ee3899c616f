"""`flask lms dashboards ...`: maintenance of the dashboard's derived data."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

dashboards_cli = AppGroup("dashboards", help="Số liệu của bảng theo dõi hoàn thành.")


@dashboards_cli.command("rebuild")
def rebuild_command():
    """Recompute every completion fact from the program statuses (after a bulk load that bypassed the app)."""
    from lms.dashboards import facts
    from lms.extensions import db

    started = time.perf_counter()
    with db.engine.begin() as connection:
        count = facts.rebuild(connection)
    click.echo(f"completion facts: {count} rows in {time.perf_counter() - started:.1f} s")
