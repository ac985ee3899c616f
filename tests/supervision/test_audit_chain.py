"""The audit log can be trusted: every entry is hash-chained to the one before it, `flask lms audit verify`
finds the first broken link, bulk writers chain their rows too, and concurrent writers never fork the chain."""
import threading

import pytest
import sqlalchemy as sa

from lms import audit
from lms.audit import AuditChain, AuditEntry
from lms.extensions import db

BEFORE_CHAIN = "c4e8a1f3b7d2-1"  # the revision before the one that chains the audit log


def _entries(n, prefix="thử"):
    for i in range(n):
        audit.record(None, f"{prefix}.{i}", object_type="tests", number=i, text="Đảng ủy xã")


def test_each_entry_stores_its_hash_and_the_previous_ones(ctx):
    _entries(3)
    db.session.flush()
    rows = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert rows[0].prev_hash == audit.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert db.session.get(AuditChain, 1).last_hash == rows[-1].hash
    assert audit.verify(db.session).ok


def test_bulk_entries_are_chained_in_order_after_the_ones_before(ctx):
    _entries(2)
    audit.insert_entries(db.session, [
        {"at": audit.utcnow(), "actor_id": None, "action": "bulk", "object_type": "tests", "object_id": i,
         "detail": {"i": i}, "ip": None} for i in range(50)])
    _entries(1, "after")
    db.session.flush()
    verdict = audit.verify(db.session)
    assert (verdict.ok, verdict.entries) == (True, 53)


def test_verify_passes_then_names_the_entry_edited_by_sql(app, runner):
    with app.app_context():
        _entries(5)
        db.session.commit()
        target = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id).offset(2)).first()
    result = runner.invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK, 5 entries" in result.output
    with app.app_context():
        db.session.execute(sa.text("UPDATE audit_entries SET action = 'đã sửa' WHERE id = :id"), {"id": target})
        db.session.commit()
    result = runner.invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {target}: its content does not match" in result.output


def test_verify_notices_a_removed_entry_and_a_cut_off_tail(app, runner):
    with app.app_context():
        _entries(4)
        db.session.commit()
        ids = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)).all()
        db.session.execute(sa.text("DELETE FROM audit_entries WHERE id = :id"), {"id": ids[1]})
        db.session.commit()
        verdict = audit.verify(db.session)
        assert (verdict.ok, verdict.broken_at) == (False, ids[2])
        db.session.execute(sa.text("DELETE FROM audit_entries WHERE id >= :id"), {"id": ids[1]})
        db.session.commit()
        verdict = audit.verify(db.session)
        assert not verdict.ok
        assert "removed at the end" in verdict.problem


def test_concurrent_writers_never_fork_the_chain(app):
    writers, per_writer = 6, 5
    barrier = threading.Barrier(writers)
    failures = []

    def write(n):
        with app.app_context():
            try:
                barrier.wait()
                for i in range(per_writer):
                    audit.record(None, f"writer{n}.{i}", object_type="tests")
                    db.session.flush()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported below)
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with app.app_context():
        verdict = audit.verify(db.session)
        assert (verdict.ok, verdict.entries) == (True, writers * per_writer), verdict.problem


@pytest.mark.usefixtures("ctx")
def test_the_client_address_is_recorded(app, make):
    admin = make.admin("qt.admin")
    client = app.test_client()
    client.post("/sign-in", data={"username": "qt.admin", "password": "secret-pass-1"},
                environ_base={"REMOTE_ADDR": "10.1.2.3"})
    client.post("/admin/units/new", data={"name": "Đảng ủy xã Mới", "parent_id": str(admin.unit_id)},
                environ_base={"REMOTE_ADDR": "10.1.2.3"})
    db.session.rollback()
    addresses = set(db.session.scalars(sa.select(AuditEntry.ip).where(AuditEntry.actor_id == admin.id)))
    assert addresses == {"10.1.2.3"}


def test_the_migration_hashes_the_entries_already_there(app, tmp_path):
    from flask_migrate import downgrade, upgrade

    from lms import create_app
    from tests.conftest import _config_dict, separate_database

    with separate_database(app, tmp_path) as url:
        other = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path / "u")})
        try:
            with other.app_context():
                upgrade(revision=BEFORE_CHAIN)
                for n in range(3):
                    db.session.execute(sa.text(
                        "INSERT INTO audit_entries (at, actor_id, action, object_type, object_id, detail) "
                        "VALUES (:at, NULL, :action, 'tests', :n, :detail)"),
                        {"at": audit.utcnow(), "action": f"cũ.{n}", "n": n,
                         "detail": '{"tên": "Đảng ủy", "số": [1, 2.5]}'})
                db.session.commit()
                upgrade()
                assert audit.verify(db.session).entries == 3
                assert audit.verify(db.session).ok
                audit.record(None, "mới", object_type="tests")
                db.session.commit()
                assert audit.verify(db.session).ok
                db.session.remove()
                downgrade(revision=BEFORE_CHAIN)
        finally:
            with other.app_context():
                db.session.remove()
                db.engine.dispose()


def test_verify_passes_on_the_demo_and_fails_after_a_row_is_altered(app, runner):
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    result = runner.invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
        middle = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id).offset(count // 2)).first()
        db.session.execute(sa.text("UPDATE audit_entries SET detail = '{}' WHERE id = :id"), {"id": middle})
        db.session.commit()
    assert count > 20
    result = runner.invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {middle}:" in result.output
