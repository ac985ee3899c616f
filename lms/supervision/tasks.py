"""Background work of supervision: a class's evidence pack (its papers are rendered to PDF, which takes
seconds to minutes for a large class, so it never runs inside a web request)."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from lms.accounts.models import Role, User
from lms.db import preparing
from lms.delivery import services as delivery
from lms.delivery.models import TrainingClass
from lms.errors import NotAllowed
from lms.extensions import db
from lms.jobs.queue import task
from lms.jobs.services import run_job

EVIDENCE_KIND = "class.evidence_pack"
PACK_READERS = (Role.ADMIN, Role.INSPECTOR, Role.LECTURER)


def may_build(user: User | None, klass: TrainingClass | None) -> bool:
    return (user is not None and klass is not None and user.active and user.has_role(*PACK_READERS)
            and delivery.can_view_class(user, klass))


@task("supervision.evidence_pack")
def evidence_pack_task(job_id: int) -> None:
    run_job(job_id, _build)


def _build(job) -> dict:
    from lms.supervision import papers

    creator_id, class_id = job.created_by_id, job.params.get("class_id")
    # Read and render as a reader: on SQLite the write lock stays free while the PDFs are drawn.
    with preparing(db.session):
        actor = db.session.get(User, creator_id) if creator_id else None
        klass = db.session.get(TrainingClass, class_id)
        if not may_build(actor, klass):  # checked again: rights may have changed since the job was queued
            raise NotAllowed(_("Bạn không còn quyền xem hồ sơ của lớp này."))
        # The papers link this site's static files: render them as a request to the site's own address would.
        with current_app.test_request_context(base_url=current_app.config["LMS_BASE_URL"]):
            stored = papers.store_evidence_pack(klass)
        return {"class_id": klass.id, "class_code": klass.code, "class_name": klass.name, **stored}
