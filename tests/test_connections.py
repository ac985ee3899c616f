"""Pooled connections on PostgreSQL: one idle for a while is checked before use, one in use a moment ago is not."""
import pytest
import sqlalchemy as sa

from lms import db as lms_db
from lms.config import engine_options
from lms.extensions import db


@pytest.fixture
def pool_of_one(app):
    """An engine made as the app makes its own, holding one connection, and the app's to act as the server."""
    with app.app_context():
        url = db.engine.url
        server = db.engine
    if url.get_backend_name() != "postgresql":
        pytest.skip("a PostgreSQL server can drop a connection; an SQLite file cannot")
    engine = sa.create_engine(url, **engine_options(url.render_as_string(hide_password=False)), pool_size=1,
                              max_overflow=0)
    yield engine, server
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()


def _drop(server, pid: int) -> None:
    with server.connect() as connection:
        assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        connection.commit()


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_anyone_uses_it(pool_of_one, monkeypatch):
    engine, server = pool_of_one
    dropped = _backend(engine)
    _drop(server, dropped)
    monkeypatch.setattr(lms_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # as after a quiet night

    assert _backend(engine) != dropped  # answered, on a new connection


def test_a_connection_used_a_moment_ago_is_handed_out_without_a_round_trip(pool_of_one, monkeypatch):
    """What makes a busy request cheaper: no ping at each of its transactions. Shown by a connection the server
    dropped a moment ago, which is handed out unchecked (and thrown away by the pool once it fails)."""
    engine, server = pool_of_one
    dropped = _backend(engine)
    _drop(server, dropped)
    monkeypatch.setattr(lms_db, "PING_AFTER_IDLE_SECONDS", 3600.0)

    with pytest.raises(sa.exc.SQLAlchemyError):  # this one request fails
        _backend(engine)
    assert _backend(engine) != dropped
