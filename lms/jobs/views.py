"""The page that follows a background job to its result."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from lms.access import signed_in
from lms.jobs import kinds, services

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.route("/<int:job_id>")
@signed_in
def show(job_id: int):
    job = services.job_for(current_user, job_id)
    return render_template("jobs/show.html", job=job, kind=kinds.describe(job.kind))
