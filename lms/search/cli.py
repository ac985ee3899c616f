"""`flask lms search ...`: maintaining the search index."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.extensions import db

search_cli = AppGroup("search", help="Chỉ mục tìm kiếm.")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the search index from modules, lessons and documents (idempotent)."""
    from lms.search.indexing import reindex_all

    summary = reindex_all(db.session)
    db.session.commit()
    click.echo("search: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
