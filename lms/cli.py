"""The `flask lms ...` command group."""
from __future__ import annotations

import sqlite3

import click
from flask import current_app
from flask.cli import AppGroup

from lms.extensions import db

lms_cli = AppGroup("lms", help="Quản trị hệ thống LMS (dữ liệu, nội dung, sao lưu).")


@lms_cli.command("localities")
def localities_command():
    """Load or refresh provinces and communes from the vietnam-provinces package."""
    from lms.organisation.services import load_localities

    added, updated = load_localities()
    db.session.commit()
    click.echo(f"localities: {added} added, {updated} updated")


@lms_cli.command("demo")
def demo_command():
    """Load the demo province, units, titles and people (idempotent; skipped, saying so, on real data)."""
    from lms.demo import DemoSkipped, load_demo

    try:
        summary = load_demo()
    except DemoSkipped as skipped:
        db.session.rollback()
        click.echo(f"demo: skipped, {skipped}")
        return
    db.session.commit()
    click.echo("demo: " + ", ".join(f"{k} {v}" for k, v in summary.items()))


@lms_cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
def backup_command(target: str):
    """Copy the live SQLite database to TARGET and check the copy."""
    from lms.backup import BackupError, backup_sqlite

    try:
        report = backup_sqlite(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except BackupError as failed:
        raise click.ClickException(str(failed)) from failed
    except (OSError, sqlite3.Error) as failed:  # a full disk, an unreadable file: no partial copy is left
        raise click.ClickException(f"backup failed, no copy written: {failed}") from failed
    click.echo(f"backup: {target} ({report['pages']} pages, {report['tables']} tables, integrity ok)")


@lms_cli.command("assets")
def assets_command():
    """Build the fingerprinted, compressed static files (the app also does it at start), point
    `<instance>/assets/current` at them for nginx, and drop older builds."""
    from lms.assets import point_current_at, prune_builds

    folder = current_app.extensions["lms.assets"]
    point_current_at(folder)
    removed = prune_builds(folder.parent, keep=folder)
    click.echo(f"assets: {folder} ({len(removed)} older builds removed)")


@lms_cli.command("settings")
def settings_command():
    """Print the table of settings (environment variables) for README.md."""
    from lms.config import settings_table

    click.echo(settings_table(), nl=False)


@lms_cli.group("i18n")
def i18n_group():
    """Translation catalogues."""


@i18n_group.command("update")
def i18n_update():
    """Extract messages into the per-domain catalogues, keeping existing translations."""
    from lms.catalogs import update

    for locale, missing in update().items():
        click.echo(f"{locale}: {missing} messages still need a translation")


@i18n_group.command("compile")
def i18n_compile():
    """Compile every catalogue to .mo."""
    from lms.catalogs import compile_all

    click.echo(f"compiled {compile_all()} catalogues")


def _register_domain_commands() -> None:
    from lms.accounts.cli import create_admin_command, import_users_command
    from lms.content.cli import content_cli
    from lms.dashboards.cli import dashboards_cli
    from lms.delivery.cli import files_cli, needs_cli
    from lms.jobs.cli import jobs_cli
    from lms.learning.cli import learning_cli, quiz_cli, xapi_cli
    from lms.search.cli import search_cli
    from lms.supervision.cli import audit_cli

    for group in (content_cli, search_cli, xapi_cli, learning_cli, quiz_cli, import_users_command, create_admin_command,
                  dashboards_cli, files_cli, needs_cli, jobs_cli, audit_cli):
        lms_cli.add_command(group)


_register_domain_commands()
