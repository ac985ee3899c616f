"""How requests use the database: pages that only read never take a writer's transaction."""
import sqlalchemy as sa

from lms.extensions import db


def _watch(app):
    """Each statement run, with whether its connection was in autocommit (PostgreSQL) and marked a reader."""
    with app.app_context():
        engine = db.engine
    seen = []

    def record(conn, _cursor, statement, *_args):
        dbapi = conn.connection.dbapi_connection
        kind = "BEGIN IMMEDIATE" if statement.upper().startswith("BEGIN IMMEDIATE") else statement.split()[0].upper()
        seen.append((kind, getattr(dbapi, "autocommit", None),
                     bool(conn.info.get("lms_reader"))))

    return engine, seen, record


def test_a_page_reads_as_a_reader_and_a_form_writes_as_a_writer(app, client, auth, make):
    make.user("hv")
    auth.login("hv")
    engine, seen, record = _watch(app)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/").status_code == 200
        page = list(seen)
        seen.clear()
        assert client.post("/language", data={"locale": "en"}).status_code == 302
        form = list(seen)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    selects = [s for s in page if s[0] == "SELECT"]
    assert selects
    assert all(reader for _kind, _autocommit, reader in selects)
    assert not any(reader for kind, _autocommit, reader in form if kind == "UPDATE")
    assert any(kind == "UPDATE" for kind, _autocommit, _reader in form)
    if engine.dialect.name == "postgresql":
        # READ COMMITTED takes a snapshot per statement: a reader's BEGIN and ROLLBACK would be wasted trips.
        assert all(autocommit for _kind, autocommit, _reader in selects)
        assert not any(autocommit for _kind, autocommit, _reader in form)
    else:
        # SQLite: a reader's transaction is DEFERRED (no write lock); the form's takes the lock at BEGIN.
        assert [kind for kind, *_rest in page if kind.startswith("BEGIN")] == ["BEGIN"]
        assert "BEGIN IMMEDIATE" in [kind for kind, *_rest in form]


def test_a_subtree_filter_names_its_prefix_in_the_sql(app, make, statements):
    """With the prefix as a bound parameter, a statement psycopg had prepared could get a generic plan from
    PostgreSQL, blind to the prefix, that read every unit (a 75 ms dashboard page took 10 s): the prefix is
    written into the SQL instead, and still escaped."""
    from lms.organisation.models import Unit

    root = make.unit("Tỉnh ủy Quảng Trị")
    make.unit("Đảng ủy xã Dân Hóa", parent=root)
    make.unit("Thành ủy Huế")
    with app.app_context():
        top = db.session.get(Unit, root.id)
        with statements() as log:
            inside = db.session.scalars(sa.select(Unit.name).where(Unit.path.startswith(top.path, autoescape=True))
                                        .order_by(Unit.path)).all()
        assert inside == ["Tỉnh ủy Quảng Trị", "Đảng ủy xã Dân Hóa"]
        assert any(f"LIKE '{top.path.replace('/', '//')}'" in s for s in log), log
        escaped = sa.select(sa.func.count()).where(Unit.path.startswith("/%", autoescape=True))
        assert db.session.scalar(escaped) == 0  # "%" is a character here, not a wildcard
