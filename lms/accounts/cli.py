"""`flask lms import-users FILE` (the CSV import) and `flask lms create-admin` from the command line."""
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


@click.command("create-admin")
@with_appcontext
@click.argument("username")
@click.option("--full-name", required=True, help="The admin's full name.")
@click.option("--unit", "unit_name", required=True,
              help="Name of the top unit the admin manages (made when no top unit has this name).")
@click.password_option(help="Asked for twice when not given.")
def create_admin_command(username: str, full_name: str, unit_name: str, password: str):
    """Create the first training admin of an installation, managing a top unit and everything under it."""
    from lms.accounts.models import Role
    from lms.accounts.services import create_user, validate_new_password
    from lms.errors import DomainError
    from lms.organisation.models import Unit
    from lms.organisation.services import create_unit

    try:
        validate_new_password(password, username)
        unit = db.session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None), Unit.name == unit_name.strip()))
        if unit is None:
            unit = create_unit(None, name=unit_name, parent=None)
        create_user(None, username=username, full_name=full_name, unit=unit, password=password,
                    roles={Role.ADMIN}, admin_scope_unit=unit)
    except DomainError as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from refused
    db.session.commit()
    click.echo(f"admin {username} created for {unit.name}")
