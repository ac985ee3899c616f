"""SQLite settings and backups. These run on a SQLite file of their own whatever the suite's database is,
since they are about how the application drives SQLite (the PostgreSQL refusal is checked too).
"""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms import create_app
from lms.accounts.models import RoleGrant, User
from lms.audit import AuditEntry
from lms.extensions import db
from lms.organisation.models import Locality
from tests.conftest import PageCheckingClient, _config_dict


def _sqlite_app(path):
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


@pytest.fixture(scope="module")
def _migrated_template(tmp_path_factory):
    """One migrated SQLite file per module; each test gets a fresh copy of it."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    app = _sqlite_app(path)
    with app.app_context():
        db.engine.dispose()
    return path


@pytest.fixture
def sqlite_app(_migrated_template, tmp_path):
    path = tmp_path / "lms.sqlite3"
    source, dest = sqlite3.connect(_migrated_template), sqlite3.connect(path)
    source.backup(dest)
    source.close()
    dest.close()
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(sqlite_app):
    with sqlite_app.app_context():
        pragma = lambda name: db.session.execute(sa.text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 15_000
        db.session.add(RoleGrant(user_id=999_999, role="trainee"))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            db.session.flush()


def test_a_read_then_write_transaction_waits_for_a_concurrent_writer_instead_of_failing(sqlite_app):
    """The first transaction reads, then writes while another writer wants in: neither gets
    "database is locked", and the first one's write lock (taken at BEGIN) makes the other wait."""
    has_read, other_is_writing = threading.Event(), threading.Event()
    committed, errors = [], []

    def read_then_write():
        with sqlite_app.app_context():
            try:
                db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
                has_read.set()
                other_is_writing.wait(5)
                time.sleep(0.3)  # the other writer has had ample time to try
                db.session.add(AuditEntry(action="first", object_type="test"))
                db.session.commit()
                committed.append("first")
            except Exception as error:  # noqa: BLE001
                errors.append(error)
                db.session.rollback()

    def other_writer():
        has_read.wait(5)
        with sqlite_app.app_context():
            try:
                other_is_writing.set()
                db.session.add(AuditEntry(action="second", object_type="test"))
                db.session.commit()
                committed.append("second")
            except Exception as error:  # noqa: BLE001
                errors.append(error)
                db.session.rollback()

    threads = [threading.Thread(target=read_then_write), threading.Thread(target=other_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert committed == ["first", "second"]
    with sqlite_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 2


def test_pages_are_read_while_another_connection_holds_the_write_lock(sqlite_app):
    """A GET reads in a deferred transaction: it answers at once instead of queueing behind a writer."""
    from tests.factories import Factories

    Factories(sqlite_app).admin("admin")
    sqlite_app.test_client_class = PageCheckingClient
    client = sqlite_app.test_client()
    assert client.post("/sign-in", data={"username": "admin", "password": "secret-pass-1"}).status_code == 302
    path = sa.engine.make_url(sqlite_app.config["SQLALCHEMY_DATABASE_URI"]).database
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO audit_entries (action, object_type, at, detail, prev_hash, hash) "
                       "VALUES ('held', 'test', '2026-01-01', '{}', '', '')")
        started = time.monotonic()
        page = client.get("/admin/users/")
        waited = time.monotonic() - started
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert page.status_code == 200
    assert "admin" in page.get_data(as_text=True)
    assert waited < 5, "the page waited for the write lock (busy_timeout is 15 s)"


def test_a_get_that_writes_without_asking_for_the_write_lock_fails_loudly(sqlite_app):
    from lms.access import public

    @sqlite_app.route("/test-writes-on-get")
    @public
    def writes_on_get():
        db.session.add(AuditEntry(action="sneaky", object_type="test"))
        db.session.commit()
        return "written"

    @sqlite_app.route("/test-asks-then-writes")
    @public
    def asks_then_writes():
        from lms.db import begin_writing

        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        begin_writing(db.session)
        db.session.add(AuditEntry(action="declared", object_type="test"))
        db.session.commit()
        return "written"

    sqlite_app.config["PROPAGATE_EXCEPTIONS"] = True
    client = sqlite_app.test_client()
    with pytest.raises(RuntimeError, match="begin_writing"):
        client.get("/test-writes-on-get")
    assert client.get("/test-asks-then-writes").get_data(as_text=True) == "written"
    with sqlite_app.app_context():
        assert db.session.scalars(sa.select(AuditEntry.action)).all() == ["declared"]


def test_a_download_read_after_its_request_leaves_the_write_lock_free(sqlite_app):
    """A streamed export reads its rows after the request has ended, inside lms.db.reading(): a deferred
    transaction that lets others write meanwhile, and refuses to write itself."""
    from lms.db import reading

    path = sa.engine.make_url(sqlite_app.config["SQLALCHEMY_DATABASE_URI"]).database
    with sqlite_app.app_context():
        with reading(db.session):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0  # transaction open
            other = sqlite3.connect(path, timeout=0.5, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("INSERT INTO audit_entries (action, object_type, at, detail, prev_hash, hash) "
                              "VALUES ('meanwhile', 'test', '2026-01-01', '{}', '', '')")
                other.execute("COMMIT")
            finally:
                other.close()
            with pytest.raises(RuntimeError, match="begin_writing"):
                db.session.execute(sa.insert(AuditEntry).values(action="inside", object_type="test", detail={}))
        db.session.rollback()
        db.session.add(AuditEntry(action="after", object_type="test"))  # writers again once the block ends
        db.session.commit()
        assert sorted(db.session.scalars(sa.select(AuditEntry.action))) == ["after", "meanwhile"]


def test_backup_while_writes_go_on_then_restore_the_copy(sqlite_app, tmp_path):
    from lms.organisation.services import load_localities
    from tests.factories import Factories

    with sqlite_app.app_context():
        load_localities()
        # A few megabytes: the copy takes many pages while the writer goes on.
        db.session.add_all(AuditEntry(action="seed", object_type="test", detail={"n": n, "pad": "x" * 200})
                           for n in range(5_000))
        db.session.commit()
    Factories(sqlite_app).admin("admin")
    stop, writing = threading.Event(), threading.Event()
    writes = []

    def keep_writing():
        with sqlite_app.app_context():
            while not stop.is_set():
                # Two rows per transaction: a consistent copy holds both or neither.
                db.session.add_all([AuditEntry(action="live", object_type="test") for _ in range(2)])
                db.session.commit()
                writes.append(1)
                writing.set()
                time.sleep(0.002)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert writing.wait(5)
        before = len(writes)
        target = tmp_path / "backup.sqlite3"
        result = sqlite_app.test_cli_runner().invoke(args=["lms", "backup", str(target)])
        during = len(writes) - before
    finally:
        stop.set()
        writer.join(10)
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert during > 0, "the writer kept writing while the backup ran"

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM localities").fetchone()[0] == 3355
        live = copy.execute("SELECT count(*) FROM audit_entries WHERE action = 'live'").fetchone()[0]
        assert 2 <= live <= 2 * len(writes)
        assert live % 2 == 0
    finally:
        copy.close()

    restored = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"})
    with restored.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Locality)) == 3355
        assert db.session.scalar(sa.select(User.username)) == "admin"
        db.session.add(AuditEntry(action="after-restore", object_type="test"))
        db.session.commit()
    restored.test_client_class = PageCheckingClient
    client = restored.test_client()
    assert client.post("/sign-in", data={"username": "admin", "password": "secret-pass-1"}).status_code == 302
    assert client.get("/admin/users/").status_code == 200
    with restored.app_context():
        db.engine.dispose()


def test_backup_refuses_postgresql_and_points_to_pg_dump():
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://lms@127.0.0.1:1/lms"})
    result = app.test_cli_runner().invoke(args=["lms", "backup", "/tmp/never-written.sqlite3"])
    assert result.exit_code != 0
    assert "pg_dump" in result.output


def test_backup_refuses_to_overwrite_the_live_database(sqlite_app):
    live = sa.engine.make_url(sqlite_app.config["SQLALCHEMY_DATABASE_URI"]).database
    result = sqlite_app.test_cli_runner().invoke(args=["lms", "backup", live])
    assert result.exit_code != 0
    assert "must differ" in result.output


def test_a_backup_cut_short_by_a_full_disk_leaves_no_partial_copy(sqlite_app, tmp_path, monkeypatch):
    import types

    from lms import backup

    class FillsUp:
        """The source connection; its copy stops half way with SQLite's full-disk error."""

        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        def backup(self, dest, **_kwargs):
            dest.execute("CREATE TABLE half_copied (x)")
            dest.commit()
            raise sqlite3.OperationalError("database or disk is full")

    opened = []

    def connect(path, **kwargs):
        connection = sqlite3.connect(path, **kwargs)
        opened.append(connection)
        return FillsUp(connection) if len(opened) == 1 else connection

    monkeypatch.setattr(backup, "sqlite3", types.SimpleNamespace(connect=connect))
    target = tmp_path / "backup.sqlite3"
    result = sqlite_app.test_cli_runner().invoke(args=["lms", "backup", str(target)])
    assert result.exit_code == 1
    assert "backup failed, no copy written: database or disk is full" in result.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("backup")) == []
