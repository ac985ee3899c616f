"""The background-job record: queued after commit, run once, failures kept from the data, progress shown."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.accounts.models import Unit
from lms.extensions import db
from lms.jobs import queue, services
from lms.jobs.models import Job, JobStatus


@queue.task("tests.make_unit")
def make_unit_task(job_id: int) -> None:
    def work(job):
        if job.params.get("explode"):
            db.session.add(Unit(name="Nửa chừng", code="HALF"))
            db.session.flush()
            raise RuntimeError("disk full")
        services.commit_progress(job, 1, 2)
        db.session.add(Unit(name=job.params["name"], code=job.params["code"]))
        return {"code": job.params["code"]}

    services.run_job(job_id, work)


def _job(app, job_id: int) -> Job:
    with app.app_context():
        return db.session.get(Job, job_id)


def _units(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Unit.code)))


def test_a_job_is_queued_only_when_its_transaction_commits(app, make, consumers):
    admin = make.admin("admin")
    with app.app_context():
        services.start_job(admin, "tests.unit", make_unit_task, params={"name": "Một", "code": "ONE"})
        db.session.rollback()
        assert queue.huey.pending_count() == 0
        job = services.start_job(admin, "tests.unit", make_unit_task, params={"name": "Hai", "code": "TWO"})
        db.session.commit()
        assert queue.huey.pending_count() == 1
        job_id = job.id
    consumers.start()
    consumers.wait_for(1)
    job = _job(app, job_id)
    assert (job.status, job.result, job.progress, job.total) == (JobStatus.DONE, {"code": "TWO"}, 2, 2)
    assert "TWO" in _units(app)


def test_a_job_delivered_twice_runs_once(app, make, consumers):
    admin = make.admin("admin")
    with app.app_context():
        job = services.start_job(admin, "tests.unit", make_unit_task, params={"name": "Ba", "code": "THREE"})
        db.session.commit()
        make_unit_task(job.id)  # a second delivery of the same job
        job_id = job.id
    consumers.start()
    consumers.wait_for(2)
    assert _units(app).count("THREE") == 1
    assert _job(app, job_id).status == JobStatus.DONE


def test_a_job_that_fails_keeps_nothing_it_wrote_and_says_so(app, make, consumers, capfd):
    admin = make.admin("admin")
    with app.app_context():
        job = services.start_job(admin, "tests.unit", make_unit_task, params={"explode": True},
                                 payload=b"the uploaded file")
        db.session.commit()
        job_id = job.id
    consumers.start()
    consumers.wait_for(1)
    job = _job(app, job_id)
    assert job.status == JobStatus.FAILED
    assert job.message.startswith("Đã có lỗi hệ thống")
    assert "HALF" not in _units(app)
    with app.app_context():
        assert db.session.get(Job, job_id).payload is None  # the upload is not kept
    assert "RuntimeError: disk full" in capfd.readouterr().err


def test_the_progress_page_shows_how_far_a_job_got(app, client, auth, make):
    admin = make.admin("admin")
    with app.app_context():
        job = services.start_job(admin, "tests.unit", make_unit_task, params={}, total=400)
        db.session.commit()
        services.commit_progress(job, 100)
        job_id = job.id
    auth.login("admin")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'aria-valuenow="25"' in page
    assert "100 / 400" in page
    assert 'data-job-running' in page


@pytest.fixture(autouse=True)
def _empty_queue(app):
    yield
    with app.app_context():
        queue.bind(app).storage.flush_all()
