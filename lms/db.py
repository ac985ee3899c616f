"""Declarative base with a constraint naming convention, and SQLite connection settings."""
import gc
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool
from sqlalchemy.sql.functions import FunctionElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Naive UTC now: both databases store timestamps without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


SQLITE_BUSY_TIMEOUT_MS = 15_000


def run(session, statement, parameters: dict | None = None) -> sa.CursorResult:
    """Run a statement of columns (not ORM entities) on the session's connection, in its transaction.

    What the ORM adds to `session.execute` is for entities (identity map, loaders, synchronising updated
    objects); for a statement of columns it is overhead, about half the cost of a short statement on SQLite.
    The requests a trainee makes every few seconds (the sign-in check, the heartbeat, the lesson page) use it.
    """
    return session.connection().execute(statement, parameters or {})


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself (see _begin_immediately) instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A pooled connection unused for this long is asked whether the server still has it before it is handed out.
# SQLAlchemy's pool_pre_ping asks before every checkout, and a request checks a connection out for each of its
# transactions: on PostgreSQL, a round trip each time, a third of a busy worker's time in the driver. A
# connection that answered a moment ago is as good as that answer; one that sat idle (the server restarted,
# a firewall dropped it) is checked and replaced before anyone uses it.
PING_AFTER_IDLE_SECONDS = 5.0
_IDLE_SINCE = "lms_idle_since"


@event.listens_for(Pool, "checkin")
def _note_idle_since(_dbapi_connection, record):
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_after_idle(dbapi_connection, record, _proxy):
    idle_since = record.info.get(_IDLE_SINCE)
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return  # new, or in use a moment ago
    if isinstance(dbapi_connection, sqlite3.Connection):
        return  # a file: nothing to lose between uses
    record.info.pop(_IDLE_SINCE, None)
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True  # the ping opens no transaction
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.autocommit = autocommit
    except Exception as lost:
        # The pool throws this connection away and checks out another (a new one when none is left).
        raise sa.exc.DisconnectionError(str(lost)) from lost


# Whether transactions begun in this context may write. Requests that only read (GET, HEAD, OPTIONS) turn it
# off. On SQLite their transactions begin DEFERRED, so readers never queue for the write lock (WAL lets them
# read beside a writer); everything else, the command line and background work included, begins IMMEDIATE.
# On PostgreSQL readers run in autocommit: under READ COMMITTED every statement takes a fresh snapshot anyway,
# and a reader's BEGIN and ROLLBACK are two round trips for nothing.
_may_write: ContextVar[bool] = ContextVar("lms_transactions_may_write", default=True)
_reader_holds_transaction: ContextVar[bool] = ContextVar("lms_reader_holds_transaction", default=False)
_writer_for_one_transaction: ContextVar[bool] = ContextVar("lms_writer_for_one_transaction", default=False)
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_WRITE_IN_CTE = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def read_only_transactions(enabled: bool = True) -> None:
    """Begin this context's next transactions as readers (True) or writers (False, the default)."""
    _may_write.set(not enabled)
    _reader_holds_transaction.set(False)
    _writer_for_one_transaction.set(False)


def begin_writing(session) -> None:  # session: the scoped session (db.session)
    """Call before a read-only request writes: its next transaction is a writer's, for one transaction.

    A reader cannot safely become a writer: on SQLite a deferred transaction fails with "database is locked"
    at once when another writer committed first, and on PostgreSQL a reader runs in autocommit, where each
    write would commit on its own. So a reader still open is rolled back here (objects loaded in it are read
    again on their next use) and the next transaction begins as a writer: IMMEDIATE on SQLite. Once that
    transaction commits or rolls back the request reads again, so the rest of the page does not hold the
    write lock (lms.transaction.finish_writing commits it early).
    """
    if _may_write.get():
        return
    _end_reader(session)
    _may_write.set(True)
    _writer_for_one_transaction.set(True)


_ALONE = "lms_write_alone"


def write_alone(session, statement, parameters: dict) -> sa.CursorResult:
    """Run a write that needs no transaction around it (one conditional statement, atomic by itself) from a
    request that reads: the time-on-task heartbeat.

    On PostgreSQL a reader runs in autocommit, so the statement runs on the reader's own connection and is
    committed when it returns: no second connection, BEGIN or COMMIT, three round trips fewer. On SQLite a
    reader's deferred transaction cannot safely take the write lock: the write is begin_writing's writer."""
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.info.get("lms_reader") \
            and not _reader_holds_transaction.get():
        connection.info[_ALONE] = True
        try:
            return connection.execute(statement, parameters)
        finally:
            connection.info.pop(_ALONE, None)
    begin_writing(session)
    return run(session, statement, parameters)


def may_write() -> bool:
    """Whether this context's transactions are writers' (a read-only request's are not, begin_writing aside)."""
    return _may_write.get()


def writing_for_one_transaction() -> bool:
    """Whether begin_writing's writer is under way (a read-only request records something)."""
    return _writer_for_one_transaction.get()


@contextmanager
def reading(session) -> Iterator[None]:
    """Run the block's statements as a reader holding one transaction of its own: a streamed download,
    whose rows are read while the file is sent (PostgreSQL keeps its server-side cursor only inside a
    transaction; on SQLite it is a deferred one, so writers go on meanwhile)."""
    may_write, holds, once = _may_write.get(), _reader_holds_transaction.get(), _writer_for_one_transaction.get()
    _may_write.set(False)
    _reader_holds_transaction.set(True)
    _writer_for_one_transaction.set(False)
    if session().in_transaction():  # the request's own, when its context is still open: start afresh
        session.rollback()
    try:
        yield
    finally:
        _may_write.set(may_write)
        _reader_holds_transaction.set(holds)
        _writer_for_one_transaction.set(once)


@contextmanager
def preparing(session) -> Iterator[None]:
    """Check and prepare a long write (an import) without holding the write lock, then write afterwards.

    The block runs as a reader: on SQLite its transaction is deferred, so web requests go on writing while
    a file is read, checked and rendered; the block's transaction then ends, and the caller's next
    statement begins the writer's transaction (IMMEDIATE on SQLite), which should only write, set-based.
    Objects loaded in the block are expired when it ends: carry plain values out of it. When the caller's
    transaction has already written (or holds unflushed changes), it keeps its lock and the block simply
    runs inside it: nothing the caller did is ever rolled back here.
    """
    if _has_written(session):
        yield
        return
    with reading(session):
        try:
            yield
        finally:
            if session().in_transaction():
                session.rollback()


def _has_written(session) -> bool:
    current = session()
    if current.new or current.dirty or current.deleted:
        return True
    return current.in_transaction() and bool(session.connection().info.get("lms_wrote"))


def each_value(session, values, type_=None) -> sa.Select:
    """A one-column SELECT of `values`, bound as ONE parameter (a JSON text on SQLite, an array on
    PostgreSQL), so that `column.in_(each_value(...))` is one statement whatever the number of values."""
    type_ = type_ or sa.Integer()
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        if isinstance(type_, sa.Integer):  # one text, parsed by the server: the driver adapts a list item by item
            array = sa.cast(sa.bindparam(None, "{" + ",".join(str(int(v)) for v in values) + "}", type_=sa.Text()),
                            ARRAY(type_))
        else:
            array = sa.bindparam(None, values, type_=ARRAY(type_))
        return sa.select(sa.func.unnest(array).column_valued("value"))
    table = sa.func.json_each(sa.bindparam(None, json.dumps(values), type_=sa.String())).table_valued("value")
    return sa.select(sa.cast(table.c.value, type_) if not isinstance(type_, sa.String) else table.c.value)


class shifted(FunctionElement):  # noqa: N801  (used like a SQL function)
    """`shifted(timestamp, seconds)`: a naive timestamp moved by a number of seconds, on both databases (a stored
    UTC time read on the site's wall clock, to group by local day or month)."""

    type = sa.DateTime()
    name = "shifted"
    inherit_cache = True


@compiles(shifted)
def _shifted(element, compiler, **kw):
    moment, seconds = (compiler.process(c, **kw) for c in element.clauses)
    return f"({moment} + {seconds} * INTERVAL '1 second')"


@compiles(shifted, "sqlite")
def _shifted_sqlite(element, compiler, **kw):
    moment, seconds = (compiler.process(c, **kw) for c in element.clauses)
    return f"datetime({moment}, {seconds} || ' seconds')"


def insert_many(session, table: sa.Table, rows: list[dict]) -> None:
    """INSERT many rows (dicts with the same keys) straight through the driver, in one COPY on PostgreSQL
    and one executemany on SQLite: the columns' Python defaults and bind processing are applied once per
    column, not per row and parameter, which is most of the time of a large bulk INSERT through
    SQLAlchemy. Table triggers fire as usual."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    given = list(rows[0])
    defaults = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or not (default.is_scalar or default.is_callable):
            continue
        defaults[column.name] = default.arg(None) if default.is_callable else default.arg
    names = given + list(defaults)
    columns = [[row[name] for row in rows] for name in given] + [[value] * len(rows) for value in defaults.values()]
    for index, name in enumerate(names):
        process = table.c[name].type._cached_bind_processor(dialect)
        if process is not None:
            columns[index] = [process(value) for value in columns[index]]
    values = list(zip(*columns, strict=True))
    quoted = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    connection.info["lms_wrote"] = True
    if dialect.name == "postgresql":
        # COPY: the rows stream in one command, several times faster than executemany's INSERT per row.
        statement = f"COPY {dialect.identifier_preparer.quote(table.name)} ({quoted}) FROM STDIN"
        driver_error = dialect.loaded_dbapi.Error
        try:
            with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
        except driver_error as error:  # as SQLAlchemy raises it: IntegrityError for a duplicate, and so on
            raise sa.exc.DBAPIError.instance(statement, None, error, driver_error, dialect=dialect) from error
        return
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({quoted}) VALUES ({', '.join([mark] * len(names))})", values)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a bulk write builds its rows under the write lock.

    Building some hundred thousand small rows at once makes the collector walk the whole heap of the
    import (the file it checked, kept until the write is done) again and again, for cycles that are not
    there: about a second of a 20,000-user import. Memory is still freed by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def refresh_statistics(session, *tables: sa.Table) -> None:
    """After a bulk write, let the rest of the transaction plan with statistics that count its rows.

    On PostgreSQL the planner otherwise plans the statements that follow a bulk load (an import's
    INSERT ... SELECT over the rows it just wrote) with the statistics of before it, an empty table in a
    new installation, and picks nested loops whose cost grows with the square of the rows. ANALYZE counts
    the transaction's own uncommitted rows, and does not block readers or writers of the table. SQLite
    plans from its indexes without such statistics: nothing to do there.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.exec_driver_sql(f"ANALYZE {connection.dialect.identifier_preparer.quote(table.name)}")


def create_row_trigger(connection, name: str, table: str, event: str, when: str | None, body: str) -> None:
    """An AFTER `event` ON `table` FOR EACH ROW trigger that runs `body` (statements, each ending in ';'), only
    WHEN `when` holds if given (written as PostgreSQL does: IS DISTINCT FROM); on PostgreSQL through a function
    of the same name. The triggers that keep derived tables (lms.dashboards.triggers, lms.delivery.need_triggers)
    are all made so; the migrations that add them carry their own copy of this."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                                   f"BEGIN {body} RETURN NULL; END $$")
        condition = f" WHEN ({when})" if when else ""
        connection.exec_driver_sql(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition} EXECUTE FUNCTION {name}()")
    else:
        condition = f" WHEN {when.replace('IS DISTINCT FROM', 'IS NOT')}" if when else ""
        connection.exec_driver_sql(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition} BEGIN {body} END")


def drop_row_trigger(connection, name: str, table: str) -> None:
    """Drop a trigger made by `create_row_trigger` (and its function), if it is there."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def _end_reader(session) -> None:
    if session().in_transaction() and session.connection().info.get("lms_reader"):
        session.rollback()


@event.listens_for(Engine, "engine_connect")
def _autocommit_readers(conn):
    if conn.dialect.name != "postgresql":
        return
    if _may_write.get():
        conn.info.pop("lms_reader", None)
        return
    conn.info["lms_reader"] = True
    if not _reader_holds_transaction.get():
        conn.execution_options(isolation_level="AUTOCOMMIT")


@event.listens_for(Engine, "begin")
def _begin_immediately(conn):
    # A deferred transaction that reads and then writes fails with "database is locked" when another
    # writer got in between; taking the write lock up front makes it wait on busy_timeout instead.
    if conn.dialect.name == "sqlite":
        deferred = not _may_write.get()
        conn.info["lms_reader"] = deferred
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes_in_readers(conn, _cursor, statement, *_args):
    head = statement.lstrip()[:7].upper()
    if not (head.startswith(_WRITES) or (head.startswith("WITH") and _WRITE_IN_CTE.search(statement))):
        return
    if conn.info.get("lms_reader") and not conn.info.get(_ALONE):
        raise RuntimeError("A read-only request wrote without lms.db.begin_writing(): " + statement[:80])
    conn.info["lms_wrote"] = True  # see `preparing`: a transaction that wrote keeps its lock


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ended(conn):
    conn.info.pop("lms_wrote", None)
    if conn.dialect.name == "sqlite":
        conn.info.pop("lms_reader", None)
    if _writer_for_one_transaction.get():  # begin_writing's writer is over: the request reads again
        _writer_for_one_transaction.set(False)
        _may_write.set(False)


def str_enum(enum_cls, length: int = 20):
    """A VARCHAR column type storing an enum's values (readable in SQL), checked on both databases."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
        create_constraint=True,
    )
