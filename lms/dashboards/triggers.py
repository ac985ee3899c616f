"""Database triggers that keep `completion_facts` in step with its sources, on SQLite and PostgreSQL.

Triggers rather than ORM events, because the learning records are also written with plain INSERT ... ON
CONFLICT and UPDATE statements that no ORM event sees. Each trigger recomputes only the facts of what it
touched: one status, one trainee (titles, unit) or one unit (locality).

The migration that adds them carries its own copy of these definitions (a migration must not change
when this module does); `install_v1` and `drop_v1` serve bulk loads that run with the triggers off
(bench/generate.py). A later change gets a new function here and a new migration with its own copy.
"""
from __future__ import annotations

from lms.db import create_row_trigger, drop_row_trigger

SOURCE = (
    "INSERT INTO completion_facts (status_id, user_id, unit_id, locality_id, province_id, program_id, title_id, "
    "title_from, title_to, title_rank, state, due_on, started_on, completed_at) "
    "SELECT ps.id, ps.user_id, u.unit_id, un.locality_id, coalesce(l.parent_id, l.id), ps.program_id, "
    "h.title_id, h.start_date, h.end_date, row_number() OVER (PARTITION BY ps.id ORDER BY h.id), ps.state, "
    "ps.due_on, ps.started_on, ps.completed_at "
    "FROM program_statuses ps JOIN users u ON u.id = ps.user_id "
    "LEFT JOIN units un ON un.id = u.unit_id LEFT JOIN localities l ON l.id = un.locality_id "
    "LEFT JOIN title_assignments h ON h.user_id = ps.user_id AND h.kind = 'held' "
    "WHERE {where}"
)

# name: (table, event, WHEN condition or None, [(delete condition, source condition)])
TRIGGERS_V1 = {
    "cf_status_insert": ("program_statuses", "INSERT", None,
                         [("status_id = NEW.id", "ps.id = NEW.id")]),
    "cf_status_update": ("program_statuses", "UPDATE", None,
                         [("status_id = NEW.id", "ps.id = NEW.id")]),
    "cf_status_delete": ("program_statuses", "DELETE", None, [("status_id = OLD.id", None)]),
    "cf_title_insert": ("title_assignments", "INSERT", None,
                        [("user_id = NEW.user_id", "ps.user_id = NEW.user_id")]),
    "cf_title_update": ("title_assignments", "UPDATE", None,
                        [("user_id = OLD.user_id", "ps.user_id = OLD.user_id"),
                         ("user_id = NEW.user_id", "ps.user_id = NEW.user_id")]),
    "cf_title_delete": ("title_assignments", "DELETE", None,
                        [("user_id = OLD.user_id", "ps.user_id = OLD.user_id")]),
    "cf_user_unit": ("users", "UPDATE OF unit_id", "OLD.unit_id IS DISTINCT FROM NEW.unit_id",
                     [("user_id = NEW.id", "ps.user_id = NEW.id")]),
    "cf_unit_locality": ("units", "UPDATE OF locality_id", "OLD.locality_id IS DISTINCT FROM NEW.locality_id",
                         [("unit_id = NEW.id", "u.unit_id = NEW.id")]),
}


def _body(steps) -> str:
    statements = []
    for delete, source in steps:
        statements.append(f"DELETE FROM completion_facts WHERE {delete};")
        if source:
            statements.append(SOURCE.format(where=source) + ";")
    return " ".join(statements)


def install_v1(connection, names=None) -> None:
    """Create the triggers (and, on PostgreSQL, their functions); `names`: only those."""
    for name, (table, event, when, steps) in TRIGGERS_V1.items():
        if names is None or name in names:
            create_row_trigger(connection, name, table, event, when, _body(steps))


def drop_v1(connection) -> None:
    for name, (table, *_rest) in TRIGGERS_V1.items():
        drop_row_trigger(connection, name, table)


# The per-row upkeep a bulk write of titles and statuses sets aside (see `suspend`).
BULK = ("cf_title_insert", "cf_status_insert")


def suspend(connection, names=BULK) -> None:
    """Set these triggers aside for the rest of the transaction: a bulk write then refreshes the facts of the
    people it wrote, set-based (`lms.dashboards.facts.refresh_users`), and `restore` puts them back before
    commit. On SQLite the triggers are dropped and created again (DDL is transactional, and the writer holds
    the write lock meanwhile); on PostgreSQL they are disabled (writers of the table wait for the commit,
    readers do not). A rollback restores them either way."""
    for name in names:
        table = TRIGGERS_V1[name][0]
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        else:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")


def restore(connection, names=BULK) -> None:
    if connection.dialect.name == "postgresql":
        for name in names:
            connection.exec_driver_sql(f"ALTER TABLE {TRIGGERS_V1[name][0]} ENABLE TRIGGER {name}")
    else:
        install_v1(connection, names)
