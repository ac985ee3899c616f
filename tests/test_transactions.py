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


def test_after_a_page_has_recorded_something_the_rest_of_it_reads_again(app, client, auth, make):
    """The first view of a lesson records it in a writer's transaction; the page's later statements must not
    hold the write lock (SQLite) or a transaction (PostgreSQL) while the page renders."""
    from lms.curriculum.models import Module

    make.user("hv")
    module = make.module("HP-01")
    with app.app_context():
        lesson_id = db.session.get(Module, module.id).published.lessons[-1].id  # the module's result under it
    auth.login("hv")
    engine, seen, record = _watch(app)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/lessons/{lesson_id}").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    kinds = [kind for kind, *_rest in seen]
    last_write = max(i for i, kind in enumerate(kinds) if kind in ("INSERT", "UPDATE"))
    after = seen[last_write + 1:]
    assert [s for s in after if s[0] == "SELECT"], "the page reads the module's result after recording"
    assert all(reader for kind, _autocommit, reader in after if kind == "SELECT")
    if engine.dialect.name == "postgresql":
        assert all(autocommit for kind, autocommit, _reader in after if kind == "SELECT")
    else:
        assert "BEGIN IMMEDIATE" not in [kind for kind, *_rest in after]



def test_the_heartbeat_reads_as_a_reader_and_holds_the_write_lock_for_its_update_alone(app, client, auth, make):
    """A trainee's most frequent request (every 30 s while a lesson is open): the sign-in check and the progress
    row are read without the write lock, which on SQLite is held for the update alone, so that other writers do
    not queue behind its reads."""
    from datetime import timedelta

    from lms.curriculum.models import Module
    from lms.learning.models import LessonProgress

    make.user("hv")
    module = make.module("HP-01")
    with app.app_context():
        lesson_id = db.session.get(Module, module.id).published.lessons[0].id
    auth.login("hv")
    assert client.get(f"/lessons/{lesson_id}").status_code == 200
    with app.app_context():
        progress = db.session.scalars(sa.select(LessonProgress)).one()
        progress.last_seen_at -= timedelta(seconds=20)
        db.session.commit()
    engine, seen, record = _watch(app)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.post(f"/learning/lessons/{lesson_id}/heartbeat").json["added"] in (20, 21)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    kinds = [kind for kind, *_rest in seen]
    assert kinds.count("UPDATE") == 1
    assert not {"INSERT", "DELETE"} & set(kinds)
    update = kinds.index("UPDATE")
    reads = [s for s in seen[:update] if s[0] == "SELECT"]
    assert len(reads) >= 2  # the signed-in user, the progress row
    assert all(reader for _kind, _autocommit, reader in reads)
    if engine.dialect.name == "sqlite":
        assert not seen[update][2]  # the update is a writer's
        assert kinds[0] == "BEGIN"
        assert kinds[update - 1] == "BEGIN IMMEDIATE"
    else:
        assert all(autocommit for _kind, autocommit, _reader in reads)
        # One conditional statement needs no transaction: it runs on the reader's connection, committed as it
        # returns, without BEGIN and COMMIT.
        assert seen[update][1]
    assert client.post(f"/learning/lessons/{lesson_id}/heartbeat").json == {"added": 0}
    with app.app_context():
        assert db.session.scalar(sa.select(LessonProgress.seconds_spent)) in (20, 21)


def test_a_download_reads_in_a_transaction_of_its_own_while_its_request_is_still_open(app, make):
    """However the framework streams, the rows are read through a server-side cursor (yield_per), which
    PostgreSQL keeps only inside a transaction, never on the request's autocommit reader."""
    from lms.accounts.models import User
    from lms.db import read_only_transactions, reading

    make.user("hv1")
    make.user("hv2")
    with app.app_context():
        read_only_transactions(True)
        try:
            assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2  # the request's reader
            with reading(db.session):
                names = [r.username for r in db.session.execute(
                    sa.select(User.username).order_by(User.username).execution_options(yield_per=1))]
        finally:
            read_only_transactions(False)
            db.session.rollback()
    assert names == ["hv1", "hv2"]
