"""Database triggers that keep `training_needs` in step with its sources, on SQLite and PostgreSQL; its rebuild.

A need row is a title assignment of an active trainee times a program that targets the title, unless the
trainee holds a valid completion of the program that never expires. Each trigger recomputes only the rows of
what it touched: one (person, program), one person (titles, unit, activity, trainee role), the people of one
program-title link, one title (key or not) or the people of one moved unit. Triggers rather than ORM events, as
for the completion facts: title assignments, statuses and grants are also written with plain SQL (imports, the
learning records).

A completion is valid unless the certificate of its cycle was revoked; its `valid_until`, when set, is when
a refresher falls due, and the report of a year compares it with the year's end.

The migration that adds them carries its own copy of these definitions; `install_v1` and `drop_v1` serve bulk
loads that run with the triggers off (bench/generate.py). A later change gets a new version here and a new
migration with its own copy.
"""
from __future__ import annotations

import json

import sqlalchemy as sa

COLUMNS = ("assignment_id, program_id, user_id, unit_id, branch_id, title_id, starts_on, ends_on, key_title, "
           "valid_until, shared")

# The unit's ancestor right below its tree's root (the unit itself at the root): '/1/35/200/' -> 35. `{instr}`
# is instr on SQLite and strpos on PostgreSQL (the same arguments).
_AFTER_ROOT = "substr(un.path, 2 + {instr}(substr(un.path, 2), '/'))"
BRANCH = (f"CASE WHEN un.depth = 0 THEN un.id "
          f"ELSE CAST(substr({_AFTER_ROOT}, 1, {{instr}}({_AFTER_ROOT}, '/') - 1) AS INTEGER) END")

SOURCE = (
    f"INSERT INTO training_needs ({COLUMNS}) "
    f"SELECT h.id, pt.program_id, h.user_id, u.unit_id, {BRANCH}, h.title_id, h.start_date, h.end_date, "
    "(h.kind = 'planned' AND t.is_key), c.valid_until, "
    "((SELECT count(*) FROM title_assignments h2 JOIN program_titles pt2 ON pt2.title_id = h2.title_id "
    "WHERE h2.user_id = h.user_id AND pt2.program_id = pt.program_id) > 1) "
    "FROM title_assignments h JOIN program_titles pt ON pt.title_id = h.title_id "
    "JOIN titles t ON t.id = h.title_id JOIN users u ON u.id = h.user_id LEFT JOIN units un ON un.id = u.unit_id "
    "LEFT JOIN program_statuses c ON c.user_id = h.user_id AND c.program_id = pt.program_id "
    "AND c.state = 'completed' AND NOT EXISTS (SELECT 1 FROM certificates r WHERE r.user_id = c.user_id "
    "AND r.program_id = c.program_id AND r.cycle = c.cycle AND r.revoked_at IS NOT NULL) "
    "WHERE u.active AND EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = h.user_id AND g.role = 'trainee') "
    "AND (c.id IS NULL OR c.valid_until IS NOT NULL) AND {where}"
)


def source(dialect: str, where: str) -> str:
    return SOURCE.format(instr="strpos" if dialect == "postgresql" else "instr", where=where)


_OLD_PAIR = ("user_id = OLD.user_id AND program_id = OLD.program_id",
             "h.user_id = OLD.user_id AND pt.program_id = OLD.program_id")
_NEW_PAIR = ("user_id = NEW.user_id AND program_id = NEW.program_id",
             "h.user_id = NEW.user_id AND pt.program_id = NEW.program_id")
_OLD_USER = ("user_id = OLD.user_id", "h.user_id = OLD.user_id")
_NEW_USER = ("user_id = NEW.user_id", "h.user_id = NEW.user_id")
_PAIR_CHANGED = "OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.program_id IS DISTINCT FROM NEW.program_id"
# A program-title link changes every row of (person, program) for the people with that title (`shared` too).
_LINK = ("program_id = {0}.program_id "
         "AND user_id IN (SELECT user_id FROM title_assignments WHERE title_id = {0}.title_id)")
_LINK_SOURCE = ("pt.program_id = {0}.program_id "
                "AND h.user_id IN (SELECT user_id FROM title_assignments WHERE title_id = {0}.title_id)")

# name: (table, event, WHEN condition or None, [(delete condition, source condition or None)])
TRIGGERS_V1 = {
    # A person's titles: all their rows, since `shared` compares a row with the person's other titles.
    "tn_title_insert": ("title_assignments", "INSERT", None, [_NEW_USER]),
    "tn_title_update": ("title_assignments", "UPDATE", None, [_OLD_USER, _NEW_USER]),
    "tn_title_delete": ("title_assignments", "DELETE", None, [_OLD_USER]),
    "tn_status_insert": ("program_statuses", "INSERT", "NEW.state = 'completed'", [_NEW_PAIR]),
    "tn_status_update": ("program_statuses", "UPDATE",
                         "OLD.state IS DISTINCT FROM NEW.state OR OLD.valid_until IS DISTINCT FROM NEW.valid_until "
                         "OR OLD.cycle IS DISTINCT FROM NEW.cycle OR " + _PAIR_CHANGED, [_OLD_PAIR, _NEW_PAIR]),
    "tn_status_delete": ("program_statuses", "DELETE", "OLD.state = 'completed'", [_OLD_PAIR]),
    "tn_certificate_insert": ("certificates", "INSERT", "NEW.revoked_at IS NOT NULL", [_NEW_PAIR]),
    "tn_certificate_update": ("certificates", "UPDATE",
                              "OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.cycle IS DISTINCT FROM NEW.cycle "
                              "OR " + _PAIR_CHANGED, [_OLD_PAIR, _NEW_PAIR]),
    "tn_certificate_delete": ("certificates", "DELETE", "OLD.revoked_at IS NOT NULL", [_OLD_PAIR]),
    "tn_program_title_insert": ("program_titles", "INSERT", None,
                                [(_LINK.format("NEW"), _LINK_SOURCE.format("NEW"))]),
    "tn_program_title_delete": ("program_titles", "DELETE", None,
                                [(_LINK.format("OLD"), _LINK_SOURCE.format("OLD"))]),
    "tn_title_key": ("titles", "UPDATE OF is_key", "OLD.is_key IS DISTINCT FROM NEW.is_key",
                     [("title_id = NEW.id", "h.title_id = NEW.id")]),
    "tn_user_change": ("users", "UPDATE OF unit_id, active",
                       "OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.active IS DISTINCT FROM NEW.active",
                       [("user_id = NEW.id", "h.user_id = NEW.id")]),
    # A unit moved with its subtree: the branch of its people's rows.
    "tn_unit_move": ("units", "UPDATE OF path", "OLD.path IS DISTINCT FROM NEW.path",
                     [("unit_id = NEW.id", "u.unit_id = NEW.id")]),
    "tn_grant_insert": ("role_grants", "INSERT", "NEW.role = 'trainee'", [_NEW_USER]),
    "tn_grant_update": ("role_grants", "UPDATE",
                        "OLD.role IS DISTINCT FROM NEW.role OR OLD.user_id IS DISTINCT FROM NEW.user_id",
                        [_OLD_USER, _NEW_USER]),
    "tn_grant_delete": ("role_grants", "DELETE", "OLD.role = 'trainee'", [_OLD_USER]),
}


def _body(dialect: str, steps) -> str:
    statements = []
    for delete, where in steps:
        statements.append(f"DELETE FROM training_needs WHERE {delete};")
        if where:
            statements.append(source(dialect, where) + ";")
    return " ".join(statements)


def _sqlite_when(condition: str) -> str:
    return condition.replace("IS DISTINCT FROM", "IS NOT")


def install_v1(connection, names=None) -> None:
    """Create the triggers (and, on PostgreSQL, their functions); `names`: only those."""
    postgres = connection.dialect.name == "postgresql"
    for name, (table, event, when, steps) in TRIGGERS_V1.items():
        if names is not None and name not in names:
            continue
        body = _body(connection.dialect.name, steps)
        if postgres:
            connection.exec_driver_sql(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body} RETURN NULL; END $$")
            condition = f" WHEN ({when})" if when else ""
            connection.exec_driver_sql(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition} EXECUTE FUNCTION {name}()")
        else:
            condition = f" WHEN {_sqlite_when(when)}" if when else ""
            connection.exec_driver_sql(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition} BEGIN {body} END")


def drop_v1(connection) -> None:
    postgres = connection.dialect.name == "postgresql"
    for name, (table, *_rest) in TRIGGERS_V1.items():
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")


# The per-row upkeep a bulk write of titles sets aside (see `suspend`).
BULK = ("tn_title_insert",)


def suspend(connection, names=BULK) -> None:
    """Set these triggers aside for the rest of the transaction, as lms.dashboards.triggers.suspend does: the
    bulk write then refreshes the people it wrote (`refresh_users`) and `restore` puts them back before commit."""
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


def rebuild(connection) -> int:
    """Recompute every need row from its sources in one INSERT ... SELECT; returns how many there are now."""
    connection.exec_driver_sql("DELETE FROM training_needs")
    connection.exec_driver_sql(source(connection.dialect.name, "1 = 1"))
    return connection.scalar(sa.text("SELECT count(*) FROM training_needs"))


def refresh_users(connection, user_ids) -> None:
    """Recompute the rows of these people (after a bulk write with the triggers set aside), in two statements."""
    ids = [int(i) for i in user_ids]
    if connection.dialect.name == "postgresql":
        chosen, value = "= ANY(CAST(:ids AS integer[]))", "{" + ",".join(map(str, ids)) + "}"
    else:
        chosen, value = "IN (SELECT value FROM json_each(:ids))", json.dumps(ids)
    connection.execute(sa.text(f"DELETE FROM training_needs WHERE user_id {chosen}"), {"ids": value})
    connection.execute(sa.text(source(connection.dialect.name, f"h.user_id {chosen}")), {"ids": value})
