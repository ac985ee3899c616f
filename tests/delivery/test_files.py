"""Stored attachments never outlive their rows: a full disk (files or database) or a failed transaction
leaves nothing partial, a 507 page says why, and the sweep removes what a killed process left behind."""
import builtins
import errno
import io
import os
import sqlite3
import time
from datetime import datetime, timedelta

import psycopg
import pytest
import sqlalchemy as sa

from lms import storage
from lms.delivery import files
from lms.delivery.models import NominationState, Submission, SubmissionFile
from lms.extensions import db
from tests.delivery.test_trips import DOCX, PDF

FULL = "Máy chủ hết dung lượng lưu trữ"


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """An upload folder of this test's own; returns the names stored in it."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))

    def stored() -> set[str]:
        folder = tmp_path / "submissions"
        return {p.name for p in folder.iterdir()} if folder.exists() else set()

    return stored


@pytest.fixture
def trip(make):
    klass = make.training_class(lecturers=[make.lecturer("giangvien")])
    make.nomination(klass, make.user("alice"), NominationState.ENROLLED)
    return make.trip(klass)


def _save(client, trip, body, *uploads):
    data = {"body_md": body, "save_draft": "1",
            "attachments": [(io.BytesIO(content), name) for name, content in uploads]}
    return client.post(f"/trips/{trip.id}/report", data=data, content_type="multipart/form-data")


def _saved(app):
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        return submission.body_md, sorted(f.original_name for f in submission.files)


def _disk_full_on_write(monkeypatch, after_files: int = 0):
    """The file system fills up while writing an attachment, after `after_files` files were written whole."""
    written = []

    class HalfWritten:
        def __init__(self, path, mode="r"):
            self.file = builtins.open(path, mode)  # noqa: SIM115  (closed by __exit__, like the real one)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, data):
            if len(written) < after_files:
                written.append(data)
                return self.file.write(data)
            self.file.write(data[: len(data) // 2])
            self.file.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self.file, name)

    monkeypatch.setattr(storage, "open", HalfWritten, raising=False)  # the upload folder's writes


def test_a_full_disk_while_writing_files_gives_the_507_page_and_leaves_nothing_partial(
        app, client, auth, trip, uploads, monkeypatch):
    auth.login("alice")
    assert _save(client, trip, "Bản một", ("mot.pdf", PDF)).status_code == 302
    before = uploads()
    _disk_full_on_write(monkeypatch, after_files=1)  # the first new file is written whole, the second is not
    response = _save(client, trip, "Bản hai", ("hai.pdf", PDF), ("ba.docx", DOCX))
    assert response.status_code == 507
    page = response.get_data(as_text=True)
    assert FULL in page
    assert "dữ liệu đã lưu trước đó vẫn được giữ nguyên" in page
    assert uploads() == before  # neither the whole first file nor the half-written second one
    assert _saved(app) == ("Bản một", ["mot.pdf"])


def test_the_full_disk_page_speaks_english_to_english_readers(client, auth, trip, uploads, monkeypatch):
    auth.login("alice")
    client.post("/language", data={"locale": "en"})
    _disk_full_on_write(monkeypatch)
    response = _save(client, trip, "Bản một", ("mot.pdf", PDF))
    assert response.status_code == 507
    assert "The server has run out of storage space" in response.get_data(as_text=True)


def _database_error(app, message="database or disk is full"):
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        return psycopg.errors.DiskFull(f'could not extend file "base/16384/16385": {message}')
    return sqlite3.OperationalError(message)


@pytest.fixture
def database_full(app):
    """Make the database report a full disk at a chosen moment (an INSERT into a table, or the COMMIT)."""
    with app.app_context():
        engine = db.engine
    listeners = []

    def on_insert_into(table):
        def fail(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
                raise _database_error(app)

        sa.event.listen(engine, "before_cursor_execute", fail)
        listeners.append(("before_cursor_execute", fail))

    def on_commit():
        def fail(_conn):
            raise _database_error(app)

        sa.event.listen(engine, "commit", fail)
        listeners.append(("commit", fail))

    yield type("DatabaseFull", (), {"on_insert_into": staticmethod(on_insert_into),
                                    "on_commit": staticmethod(on_commit)})
    for name, fn in listeners:
        sa.event.remove(engine, name, fn)


def test_a_full_database_after_the_files_were_written_removes_them(app, client, auth, trip, uploads,
                                                                   database_full):
    auth.login("alice")
    assert _save(client, trip, "Bản một", ("mot.pdf", PDF)).status_code == 302
    before = uploads()
    database_full.on_insert_into("submission_files")
    response = _save(client, trip, "Bản hai", ("hai.pdf", PDF), ("ba.docx", DOCX))
    assert response.status_code == 507
    assert FULL in response.get_data(as_text=True)
    assert uploads() == before
    assert _saved(app) == ("Bản một", ["mot.pdf"])


def test_a_commit_refused_for_want_of_space_removes_the_files_written_for_it(app, client, auth, trip, uploads,
                                                                             database_full):
    auth.login("alice")
    database_full.on_commit()
    response = _save(client, trip, "Bản một", ("mot.pdf", PDF))
    assert response.status_code == 507
    assert uploads() == set()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionFile)) == 0


def test_files_of_a_transaction_closed_without_commit_are_removed(app, trip, uploads):
    """A job or command that ends its session without committing (it failed, or was stopped) leaves no file."""
    from lms.accounts.models import User
    from lms.delivery import reports
    from lms.delivery.models import FieldTrip

    with app.test_request_context():
        alice = db.session.scalars(sa.select(User).where(User.username == "alice")).one()
        reports.save_submission(alice, db.session.get(FieldTrip, trip.id), body_md="Bản một",
                                uploads=[reports.Upload("mot.pdf", PDF)])
        assert len(uploads()) == 1
        db.session.remove()
    assert uploads() == set()


@pytest.mark.parametrize(("error", "full"), [
    (OSError(errno.ENOSPC, "No space left on device"), True),
    (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
    (FileNotFoundError(errno.ENOENT, "No such file or directory"), False),
    (sqlite3.OperationalError("database or disk is full"), True),
    (sqlite3.OperationalError("database is locked"), False),
    (sa.exc.OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full")), True),
    (sa.exc.OperationalError("INSERT", {}, psycopg.errors.DiskFull("could not extend file")), True),
    (sa.exc.OperationalError("UPDATE", {}, psycopg.errors.DeadlockDetected("deadlock detected")), False),
    (sa.exc.IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key")), False),
])
def test_only_a_want_of_space_counts_as_a_full_disk(error, full):
    from lms.web import storage_full

    assert storage_full(error) is full


# --- the sweep --------------------------------------------------------------------------------------------


def _age(path, hours):
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_the_sweep_removes_old_files_no_row_names_and_reports_them(app, client, auth, trip, uploads, runner):
    auth.login("alice")
    _save(client, trip, "Bản một", ("mot.pdf", PDF))
    with app.app_context():
        kept = db.session.scalar(sa.select(SubmissionFile.stored_name))
        folder = files.folder()
    _age(folder / kept, 5)
    orphan = folder / ("a" * 40)  # written whole; its transaction never committed (kill -9)
    orphan.write_bytes(b"%PDF-" + b"x" * 995)
    partial = folder / ("b" * 40 + ".part")  # the write itself was cut short
    partial.write_bytes(b"%PDF-" + b"x" * 495)
    young = folder / ("c" * 40 + ".part")  # an upload going on now
    young.write_bytes(b"%PDF-")
    foreign = folder / "README.txt"  # not a name we give: not ours to delete
    foreign.write_text("ghi chú")
    for path in (orphan, partial, foreign):
        _age(path, 2)

    dry = runner.invoke(args=["lms", "files", "sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove 2 files (1 unfinished), 1500 bytes" in dry.output
    assert orphan.exists()
    assert partial.exists()

    done = runner.invoke(args=["lms", "files", "sweep"])
    assert "removed 2 files (1 unfinished), 1500 bytes" in done.output
    assert uploads() == {kept, young.name, foreign.name}
    assert client.get(f"/submissions/{_submission_id(app)}/files/{_file_id(app)}").data == PDF


def test_the_sweep_function_leaves_files_younger_than_asked(app, uploads):
    with app.app_context():
        folder = files.folder()
        orphan = folder / ("d" * 40)
        orphan.write_bytes(b"12345")
        _age(orphan, 0.5)
        assert files.sweep_orphan_files() == files.Sweep(files=0, partial=0, bytes=0, dry_run=False)
        assert files.sweep_orphan_files(older_than=timedelta(minutes=10), dry_run=True) == files.Sweep(
            files=1, partial=0, bytes=5, dry_run=True)
        assert orphan.exists()
        assert files.sweep_orphan_files(older_than=timedelta(minutes=10)).files == 1
        assert not orphan.exists()


def _submission_id(app):
    with app.app_context():
        return db.session.scalar(sa.select(Submission.id))


def _file_id(app):
    with app.app_context():
        return db.session.scalar(sa.select(SubmissionFile.id))


def test_the_hourly_job_runs_the_sweep_and_records_what_it_removed(app, uploads, sqlite_storage, consumers):
    from huey.consumer import Scheduler

    from lms.jobs import queue
    from lms.jobs.models import Job

    with app.app_context():
        orphan = files.folder() / ("e" * 40)
    orphan.write_bytes(b"1234567")
    _age(orphan, 2)
    consumers.start()
    # Minute 45 of an hour: what a consumer's scheduler enqueues then.
    Scheduler(queue.huey, stop_flag=None, interval=1, periodic=True).enqueue_periodic_tasks(datetime(2026, 3, 9, 3, 45))
    assert consumers.wait_for(1) == [("files.sweep", "complete")]
    assert not orphan.exists()
    with app.app_context():
        job = db.session.scalars(sa.select(Job).where(Job.kind == "files.sweep")).one()
        assert job.result == {"files": 1, "partial": 0, "bytes": 7, "dry_run": False}
