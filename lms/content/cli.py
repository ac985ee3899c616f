"""`flask lms content import DIR` and `flask lms content export DIR`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.extensions import db

content_cli = AppGroup("content", help="Nhập, xuất chương trình bồi dưỡng dưới dạng tệp (content/).")


@content_cli.command("import")
@click.argument("directory", type=click.Path(file_okay=False))
def import_command(directory: str):
    """Check DIRECTORY, then import it all in one transaction, or nothing if any file is bad."""
    from lms.content.importer import import_content, index_imported
    from lms.content.loader import ContentErrors

    try:
        report = import_content(directory)
    except ContentErrors as bad:
        db.session.rollback()
        for problem in bad.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(bad.problems)} problem(s) found; nothing was imported") from bad
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    index_imported(report)
    for note in report.notes:
        click.echo(f"note: {note}")
    click.echo(f"content: {report.summary()}")


@content_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
def export_command(directory: str):
    """Write the published curricula and the document register to DIRECTORY (new or empty)."""
    from lms.content.exporter import ExportRefused, export_content

    try:
        counts = export_content(directory)
    except ExportRefused as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo("content export: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing to export"))
