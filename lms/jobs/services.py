"""Start a background job, run it once in a consumer, report its progress, and show it to its owner."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, is_dataclass

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from lms import audit
from lms.db import utcnow
from lms.errors import DomainError, NotFound
from lms.extensions import db
from lms.jobs import queue
from lms.jobs.models import Job, JobStatus

log = logging.getLogger("lms.jobs")


def start_job(actor, kind: str, task_wrapper, *, payload: bytes | None = None, params: dict | None = None,
              total: int | None = None) -> Job:
    """Record a queued job for `actor`; `task_wrapper(job.id)` is sent to the queue when this transaction commits."""
    job = Job(kind=kind, created_by_id=getattr(actor, "id", None), locale=str(get_locale() or "vi"),
              payload=payload, params=params or {}, total=total, status=JobStatus.QUEUED)
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "job.start", job, kind=kind)
    queue.enqueue_after_commit(task_wrapper, job.id)
    return job


def run_job(job_id: int, work: Callable[[Job], dict]) -> None:
    """Run a queued job once: `work(job)` does it and returns the result to show.

    A DomainError (InvalidInput with its per-line problems) fails the job with its message, and anything
    else with a general one (the traceback goes to the log); in both cases nothing `work` wrote is kept.
    On success the result is saved in the same transaction as the work (or its last batch).
    """
    claimed = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=utcnow())
    ).rowcount
    db.session.commit()
    if not claimed:  # delivered twice, or already run
        log.warning("job %s is not waiting to run; skipped", job_id, extra={"job_id": job_id})
        return
    job = db.session.get(Job, job_id)
    try:
        with force_locale(job.locale):
            result = work(job)
    except DomainError as refused:
        db.session.rollback()
        _finish(job_id, JobStatus.FAILED, message=refused.message,
                problems=[_plain(p) for p in getattr(refused, "problems", [])])
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind, extra={"job_id": job_id})
        with force_locale(job.locale):
            message = _("Đã có lỗi hệ thống khi chạy công việc. Dữ liệu không thay đổi; vui lòng thử lại "
                        "hoặc báo quản trị hệ thống.")
        _finish(job_id, JobStatus.FAILED, message=message)
    else:
        _finish(job_id, JobStatus.DONE, result=_plain(result or {}))


def _finish(job_id: int, status: JobStatus, **values) -> None:
    job = db.session.get(Job, job_id)
    job.status = status
    job.finished_at = utcnow()
    job.payload = None
    if status is JobStatus.DONE and job.total is not None:
        job.progress = job.total
    for name, value in values.items():
        setattr(job, name, value)
    log.info("job %s (%s) %s", job.id, job.kind, status, extra={"job_id": job.id, "kind": job.kind,
                                                                   "status": str(status)})


def commit_progress(job: Job, done: int, total: int | None = None) -> None:
    """Commit the work done so far with how far the job got, for jobs that work in batches.

    Each batch is then its own transaction (on SQLite the write lock is free between batches); a job that
    must be all or nothing reports no progress on the way.
    """
    job.progress = done
    if total is not None:
        job.total = total
    db.session.commit()


def job_for(user, job_id: int) -> Job:
    """A job its owner may follow; anyone else gets NotFound (another person's job is not theirs to see)."""
    job = db.session.get(Job, job_id)
    if job is None or job.created_by_id != user.id:
        raise NotFound(_("Không tìm thấy công việc này."))
    return job


def _plain(value):
    if is_dataclass(value):
        return asdict(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def run_now(kind: str, work: Callable[[], dict]) -> int:
    """Record and run a job nobody started (a periodic one) in this consumer; returns the job's id."""
    job = Job(kind=kind, status=JobStatus.QUEUED)
    db.session.add(job)
    db.session.commit()
    run_job(job.id, lambda _job: work())
    return job.id


def commit_step() -> None:
    """Commit what a task has done so far, so the next step starts in a new transaction (a claim that other
    consumers must see at once, a short write lock on SQLite). Tasks only: a request commits once, at its end."""
    if has_request_context():
        raise RuntimeError("commit_step is for background tasks; a request commits once (lms.transaction)")
    db.session.commit()
