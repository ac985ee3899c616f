"""`flask lms audit verify`: walk the audit log's hash chain and name the first broken link."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="Nhật ký kiểm toán.")


@audit_cli.command("verify")
def verify_command():
    """Check every audit entry's hash and link; exit 1 at the first one that does not hold."""
    from lms import audit
    from lms.extensions import db

    verdict = audit.verify(db.session)
    if verdict.ok:
        click.echo(f"audit verify: OK, {verdict.entries} entries, the chain holds")
        return
    click.echo(f"audit verify: BROKEN after {verdict.entries} entries: {verdict.problem}", err=True)
    sys.exit(1)
