"""`flask lms import-users FILE`: the CSV import from the command line."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from lms.extensions import db


@click.command("import-users")
@with_appcontext
@click.argument("file", type=click.File("rb"))
@click.option("--unit-scope", "unit_code", metavar="CODE",
              help="Only accept units in the subtree of the unit with this code.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, but write nothing.")
def import_users_command(file, unit_code: str | None, dry_run: bool):
    """Create or update users from a CSV file (all or nothing; columns in README)."""
    from lms.accounts.importing import import_users
    from lms.errors import InvalidInput
    from lms.organisation.models import Unit

    scope = None
    if unit_code:
        scope = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
        if scope is None:
            raise click.ClickException(f"no unit has the code {unit_code}")
    try:
        report = import_users(None, file.read(), scope=scope, dry_run=dry_run)
    except InvalidInput as bad:
        db.session.rollback()
        for problem in bad.problems:
            click.echo(f"line {problem.line}: {problem.message}", err=True)
        raise click.ClickException(f"{len(bad.problems)} problems; nothing was imported") from bad
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(
        f"{'checked' if dry_run else 'imported'} {report.rows} rows: {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.titles_added} titles added"
    )
