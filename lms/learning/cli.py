"""`flask lms xapi export` and `flask lms learning refresh`."""
from __future__ import annotations

import json
import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from lms.extensions import db

xapi_cli = AppGroup("xapi", help="Xuất hồ sơ học tập theo chuẩn xAPI.")
learning_cli = AppGroup("learning", help="Hồ sơ học tập: việc định kỳ.")


@xapi_cli.command("export")
@click.option("--since", "since", required=True, help="YYYY-MM-DD or ISO date-time (UTC)")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="file (default: stdout)")
def export_command(since: str, out: str | None):
    """Write xAPI 1.0.3 statements stored since DATE as a JSON array."""
    from lms.learning.xapi import statements_since

    try:
        start = datetime.fromisoformat(since)
    except ValueError as bad:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--since") from bad
    base_url = current_app.config["LMS_BASE_URL"].rstrip("/")
    stream = open(out, "w", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
    count = 0
    try:
        stream.write("[")
        for statement in statements_since(start, base_url):
            stream.write(("," if count else "") + "\n" + json.dumps(statement, ensure_ascii=False))
            count += 1
        stream.write("\n]\n")
    finally:
        if out:
            stream.close()
    click.echo(f"xapi: {count} statements", err=True)


@learning_cli.command("refresh")
def refresh_command():
    """Start a new cycle for every refresher program whose validity lapsed (run daily)."""
    from lms.learning.services import refresh_lapsed

    count = refresh_lapsed()
    db.session.commit()
    click.echo(f"learning: {count} lapsed refreshers due again")


quiz_cli = AppGroup("quiz", help="Bài kiểm tra của học phần.")


@quiz_cli.command("import-gift")
@click.argument("module_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_gift_command(module_code: str, path: str):
    """Add the questions of a Moodle GIFT file to a module's quiz (all of them, or none on any error)."""
    import sqlalchemy as sa

    from lms.curriculum.models import Module
    from lms.errors import InvalidInput
    from lms.learning import quizzes

    module = db.session.scalar(sa.select(Module).where(Module.code == module_code))
    if module is None:
        raise click.ClickException(f"no module with code {module_code}")
    from lms.text import decode_utf8

    try:
        with open(path, "rb") as f:
            source = decode_utf8(f.read())
        added = quizzes.import_gift(None, quizzes.get_or_create_quiz(None, module), source)
    except InvalidInput as bad:
        db.session.rollback()
        raise click.ClickException("\n".join([bad.message, *bad.problems])) from bad
    db.session.commit()
    click.echo(f"quiz: {added} questions imported into {module_code}")
