"""`flask lms files sweep`: remove stored files that no row names (left by killed or failed uploads);
`flask lms needs rebuild`: recompute the training needs from their sources."""
from __future__ import annotations

import time
from datetime import timedelta

import click
from flask.cli import AppGroup

files_cli = AppGroup("files", help="Tệp đính kèm đã lưu.")


@files_cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="only count what would be removed")
@click.option("--older-than-minutes", type=click.IntRange(min=1), default=60, show_default=True,
              help="leave younger files alone (their upload may still be committing)")
def sweep_command(dry_run: bool, older_than_minutes: int):
    """Remove files no row names and older than an hour, and report how many and how large."""
    from lms.delivery.files import sweep_orphan_files

    swept = sweep_orphan_files(older_than=timedelta(minutes=older_than_minutes), dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"files sweep: {verb} {swept.files} files ({swept.partial} unfinished), {swept.bytes} bytes")


needs_cli = AppGroup("needs", help="Nhu cầu đào tạo theo chức danh.")


@needs_cli.command("rebuild")
def rebuild_needs_command():
    """Recompute every training need from titles, programs and completions (after a load that bypassed them)."""
    from lms.delivery import need_triggers
    from lms.extensions import db

    started = time.perf_counter()
    with db.engine.begin() as connection:
        count = need_triggers.rebuild(connection)
    click.echo(f"training needs: {count} rows in {time.perf_counter() - started:.1f} s")
