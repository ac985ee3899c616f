"""Test fixtures. The schema is built through the Alembic migrations once per run, on SQLite by default
or on PostgreSQL when LMS_TEST_DATABASE_URL is set; every test starts from empty tables.

View tests use `client` (no app context held, as a browser would see it) and open
`with app.app_context():` to look at the database. Service tests use `ctx`, which holds one.
"""
from __future__ import annotations

import os
import re
import secrets
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from lms import create_app
from lms.caching import clear_all as clear_caches
from lms.config import TestConfig
from lms.extensions import db
from lms.throttling import limiter

pytest_plugins = ("tests.jobs.fixtures",)  # the job queue and its consumers

FOREIGN_REFERENCE = re.compile(
    r"""(?:src|href|action|srcset|poster|data)\s*=\s*["']\s*(?:https?:)?//(?!localhost[:/"']|127\.0\.0\.1[:/"'])""",
    re.IGNORECASE,
)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _empty_schema(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        else:
            for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").all():
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    engine.dispose()


class PageCheckingClient(FlaskClient):
    """Adds the CSRF token to form posts and checks every HTML page for references to other hosts."""

    def open(self, *args, csrf: bool = True, **kwargs):
        method = kwargs.get("method", "GET").upper()
        if csrf and method in ("POST", "PUT", "PATCH", "DELETE"):
            data = kwargs.get("data")
            if data is None:
                data = kwargs["data"] = {}
            if isinstance(data, dict) and "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token()
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not response.is_streamed:
            text = response.get_data(as_text=True)
            found = FOREIGN_REFERENCE.search(text)
            assert found is None, f"page refers to another host: {text[found.start():found.start() + 120]}"
        return response

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    _empty_schema(url)
    upload_dir = tmp_path_factory.mktemp("uploads")
    jobs_file = tmp_path_factory.mktemp("jobs") / "jobs.sqlite3"
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(upload_dir),
                      "JOBS_SQLITE": str(jobs_file)})
    app.test_client_class = PageCheckingClient
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _config_dict() -> dict:
    return {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}


@pytest.fixture(autouse=True)
def _empty_tables(request):
    """Each test starts with empty tables (those that use the app)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        _delete_all_rows(db.engine)
    clear_caches()  # row ids come round again once the tables are empty
    limiter.reset()  # every test starts with no refused tries counted against 127.0.0.1


# The audit chain's head as the migrations leave it: every database has it from the start.
CHAIN_HEAD = "INSERT INTO audit_chain (id, last_hash, entries) VALUES (1, '" + "0" * 64 + "', 0)"


def _delete_all_rows(engine) -> None:
    """Empty every table, foreign keys aside (modules and their revisions refer to each other)."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if engine.dialect.name == "postgresql":
        # One round trip for them all (a statement without parameters may hold several).
        deletes = "".join(f'DELETE FROM "{name}";' for name in tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SET LOCAL session_replication_role = replica;{deletes}{CHAIN_HEAD}")
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("BEGIN IMMEDIATE")
        for name in tables:
            cursor.execute(f'DELETE FROM "{name}"')
        cursor.execute(CHAIN_HEAD)
        cursor.execute("COMMIT")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    from tests import factories

    return factories.Factories(app)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = "secret-pass-1", follow: bool = False):
        return self.client.post(
            "/sign-in", data={"username": username, "password": password}, follow_redirects=follow
        )

    def logout(self):
        return self.client.post("/sign-out")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def statements(app):
    """`with statements() as seen:` collects every SQL statement run inside the block (on any connection)."""

    @contextmanager
    def collect():
        with app.app_context():
            engine = db.engine
        seen = []

        def record(_conn, _cursor, statement, *_args):
            seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return collect


@pytest.fixture
def page_statements(client, statements):
    """How many SQL statements a GET of `url` runs through `client` (which must answer 200)."""

    def count(url: str) -> int:
        with statements() as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    return count


@contextmanager
def separate_database(app, tmp_path):
    """An empty database of its own: a SQLite file, or a schema of its own in the PostgreSQL test database."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'behind.sqlite3'}"
        return
    schema = f"readyz_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
