"""Background work of the accounts domain: the CSV import started from the admin page."""
from __future__ import annotations

from dataclasses import asdict

from flask_babel import gettext as _

from lms.accounts import importing
from lms.accounts.models import Role, User
from lms.errors import NotAllowed
from lms.extensions import db
from lms.jobs.queue import task
from lms.jobs.services import run_job

IMPORT_KIND = "users.import"


@task("accounts.import_users")
def import_users_task(job_id: int) -> None:
    run_job(job_id, _import)


def _import(job) -> dict:
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    if actor is None or Role.ADMIN not in actor.roles:  # an unrestricted import is the command line's alone
        raise NotAllowed(_("Người bắt đầu việc nhập không còn quyền quản trị."))
    dry_run = bool(job.params.get("dry_run"))
    report = importing.import_users(actor, job.payload, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    return asdict(report)
