"""Database triggers that keep `training_needs` in step with its sources, on SQLite and PostgreSQL; its rebuild.

A need row is a title assignment of an active trainee times a program that targets the title, unless the
trainee holds a valid completion of the program that never expires. Each trigger recomputes only the rows of
what it touched: one (person, program), one person (titles, unit, activity, trainee role), the people of one
program-title link, one title (key or not) or the people of one moved unit. Triggers rather than ORM events, as
for the completion facts: title assignments, statuses and grants are also written with plain SQL (imports, the
learning records).

A completion is valid unless the certificate of its cycle was revoked; its `valid_until`, when set, is when
a refresher falls due, and the report of a year compares it with the year's end.

The counts (`need_counts`) follow the rows. On SQLite, whose writers take turns, each row added or removed
updates its count at once. On PostgreSQL the rows' triggers note each change in `need_count_changes` and one
deferred trigger adds a transaction's changes to the counts at its commit, in the counts' key order: every
transaction then locks the counts it changes last and in the same order, so that two of them (two admins
retitling people of one unit, an import beside a web edit) never wait for each other's counts in a cycle.

The migrations that add them carry their own copy of these definitions (9c41d7e2b8a3: version 1; e5b7c2a9d4f1:
version 2, the counts at commit on PostgreSQL); `install_v2` and `drop_v2` serve bulk loads that run with the
triggers off (bench/generate.py). A later change gets a new version here and a new migration with its own copy.
"""
from __future__ import annotations

import json

import sqlalchemy as sa

from lms.db import create_row_trigger, drop_row_trigger

COLUMNS = ("assignment_id, program_id, user_id, unit_id, branch_id, title_id, starts_on, ends_on, key_title, "
           "valid_until, shared, from_year, to_year, start_edge, end_edge")

# The unit's ancestor right below its tree's root (the unit itself at the root): '/1/35/200/' -> 35.
_AFTER_ROOT = "substr(un.path, 2 + {instr}(substr(un.path, 2), '/'))"
BRANCH = (f"CASE WHEN un.depth = 0 THEN un.id "
          f"ELSE CAST(substr({_AFTER_ROOT}, 1, {{instr}}({_AFTER_ROOT}, '/') - 1) AS INTEGER) END")
# The years in which the row is a need whatever the report's day (from_year to to_year), and the years in which
# its title starts or ends on another day than the year's first or last (start_edge, end_edge): there the day
# decides. A refresher due on any day of a year makes the row a need from that year on.
_START_YEAR = "{year}(h.start_date) + CASE WHEN {md}(h.start_date) = '01-01' THEN 0 ELSE 1 END"
_VALID_YEAR = "coalesce({year}(c.valid_until), 0)"
YEARS = (f"CASE WHEN {_VALID_YEAR} > {_START_YEAR} THEN {_VALID_YEAR} ELSE {_START_YEAR} END, "
         "CASE WHEN h.end_date IS NULL THEN 9999 "
         "ELSE {year}(h.end_date) - CASE WHEN {md}(h.end_date) = '12-31' THEN 0 ELSE 1 END END, "
         "CASE WHEN {md}(h.start_date) = '01-01' THEN NULL ELSE {year}(h.start_date) END, "
         "CASE WHEN {md}(h.end_date) = '12-31' THEN NULL ELSE {year}(h.end_date) END")

SOURCE = (
    f"INSERT INTO training_needs ({COLUMNS}) "
    f"SELECT h.id, pt.program_id, h.user_id, u.unit_id, {BRANCH}, h.title_id, h.start_date, h.end_date, "
    "(h.kind = 'planned' AND t.is_key), c.valid_until, "
    "((SELECT count(*) FROM title_assignments h2 JOIN program_titles pt2 ON pt2.title_id = h2.title_id "
    f"WHERE h2.user_id = h.user_id AND pt2.program_id = pt.program_id) > 1), {YEARS} "
    "FROM title_assignments h JOIN program_titles pt ON pt.title_id = h.title_id "
    "JOIN titles t ON t.id = h.title_id JOIN users u ON u.id = h.user_id LEFT JOIN units un ON un.id = u.unit_id "
    "LEFT JOIN program_statuses c ON c.user_id = h.user_id AND c.program_id = pt.program_id "
    "AND c.state = 'completed' AND NOT EXISTS (SELECT 1 FROM certificates r WHERE r.user_id = c.user_id "
    "AND r.program_id = c.program_id AND r.cycle = c.cycle AND r.revoked_at IS NOT NULL) "
    "WHERE u.active AND EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = h.user_id AND g.role = 'trainee') "
    "AND (c.id IS NULL OR c.valid_until IS NOT NULL) AND {where}"
)

# instr, year and month-day as each database writes them.
_FUNCTIONS = {
    "postgresql": {"instr": "strpos", "year": "CAST(EXTRACT(YEAR FROM {0}) AS INTEGER)", "md": "to_char({0}, 'MM-DD')"},
    "sqlite": {"instr": "instr", "year": "CAST(strftime('%Y', {0}) AS INTEGER)", "md": "strftime('%m-%d', {0})"},
}


def source(dialect: str, where: str) -> str:
    functions = _FUNCTIONS["postgresql" if dialect == "postgresql" else "sqlite"]
    sql = SOURCE.replace("{instr}", functions["instr"]).replace("{where}", where)
    for name in ("year", "md"):
        while "{" + name + "}(" in sql:
            head, tail = sql.split("{" + name + "}(", 1)
            argument, rest = tail.split(")", 1)
            sql = head + functions[name].format(argument) + rest
    return sql


# The people counted for good in a range of years, per unit, program and key flag: the rows that are not
# `shared`, kept by the triggers on training_needs (rows there are only inserted and deleted).
_COUNT_KEY = ("branch_id = {0}.branch_id AND unit_id = {0}.unit_id AND program_id = {0}.program_id "
              "AND from_year = {0}.from_year AND to_year = {0}.to_year AND key_title = {0}.key_title")
_COUNTED = "NOT {0}.shared AND {0}.unit_id IS NOT NULL AND {0}.from_year <= {0}.to_year"
COUNT_TRIGGERS_V1 = {
    "tn_count_insert": ("INSERT", _COUNTED.format("NEW"),
                        "INSERT INTO need_counts (branch_id, unit_id, program_id, from_year, to_year, key_title, "
                        "people) VALUES (NEW.branch_id, NEW.unit_id, NEW.program_id, NEW.from_year, NEW.to_year, "
                        "NEW.key_title, 1) ON CONFLICT (branch_id, program_id, unit_id, from_year, to_year, "
                        "key_title) DO UPDATE SET people = need_counts.people + 1;"),
    "tn_count_delete": ("DELETE", _COUNTED.format("OLD"),
                        f"UPDATE need_counts SET people = people - 1 WHERE {_COUNT_KEY.format('OLD')}; "
                        f"DELETE FROM need_counts WHERE {_COUNT_KEY.format('OLD')} AND people = 0;"),
}
# Version 2, PostgreSQL: the rows' triggers note the changes (unless a bulk write of this transaction notes them
# itself: `refresh_users`), the first of a transaction marked `opens`; that one alone queues `tn_count_apply`,
# deferred to the commit, which adds them all to the counts in one statement in key order.
_KEY = "branch_id, program_id, unit_id, from_year, to_year, key_title"
_FIRST = "NOT EXISTS (SELECT 1 FROM need_count_changes WHERE tx = txid_current())"
_NOTE = ("INSERT INTO need_count_changes (tx, opens, branch_id, program_id, unit_id, from_year, to_year, key_title, "
         f"people) VALUES (txid_current(), {_FIRST}, {{0}}.branch_id, {{0}}.program_id, {{0}}.unit_id, "
         "{0}.from_year, {0}.to_year, {0}.key_title, {1});")
_NOT_BULK = "current_setting('lms.needs_bulk', true) IS DISTINCT FROM 'on'"
COUNT_TRIGGERS_PG_V2 = {
    "tn_count_insert": ("INSERT", f"{_COUNTED.format('NEW')} AND {_NOT_BULK}", _NOTE.format("NEW", 1)),
    "tn_count_delete": ("DELETE", f"{_COUNTED.format('OLD')} AND {_NOT_BULK}", _NOTE.format("OLD", -1)),
}
_SAME_KEY = " AND ".join(f"n.{k} = c.{k}" for k in _KEY.split(", "))
APPLY_PG_V2 = (
    "CREATE OR REPLACE FUNCTION tn_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO need_counts AS n ({_KEY}, people) SELECT {_KEY}, sum(people) FROM need_count_changes "
    f"WHERE tx = txid_current() GROUP BY {_KEY} HAVING sum(people) <> 0 ORDER BY {_KEY} "
    f"ON CONFLICT ({_KEY}) DO UPDATE SET people = n.people + EXCLUDED.people; "
    f"DELETE FROM need_counts n USING need_count_changes c WHERE c.tx = txid_current() AND {_SAME_KEY} "
    "AND n.people = 0; "
    "DELETE FROM need_count_changes WHERE tx = txid_current(); "
    "RETURN NULL; END $$"
)
APPLY_TRIGGER_PG_V2 = ("CREATE CONSTRAINT TRIGGER tn_count_apply AFTER INSERT ON need_count_changes "
                       "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.opens) EXECUTE FUNCTION tn_count_apply()")
COUNTS_REBUILD = (
    "INSERT INTO need_counts (branch_id, unit_id, program_id, from_year, to_year, key_title, people) "
    "SELECT branch_id, unit_id, program_id, from_year, to_year, key_title, count(*) FROM training_needs n "
    f"WHERE {_COUNTED.format('n')} GROUP BY branch_id, unit_id, program_id, from_year, to_year, key_title"
)


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


def _definitions(dialect: str):
    for name, (table, event, when, steps) in TRIGGERS_V1.items():
        yield name, table, event, when, _body(dialect, steps)
    counts = COUNT_TRIGGERS_PG_V2 if dialect == "postgresql" else COUNT_TRIGGERS_V1
    for name, (event, when, body) in counts.items():
        yield name, "training_needs", event, when, body


def install_v2(connection, names=None) -> None:
    """Create the triggers (and, on PostgreSQL, their functions and the counts' deferred apply); `names`: only
    those."""
    if connection.dialect.name == "postgresql" and names is None:
        connection.exec_driver_sql(APPLY_PG_V2)
        connection.exec_driver_sql(APPLY_TRIGGER_PG_V2)
    for name, table, event, when, body in _definitions(connection.dialect.name):
        if names is None or name in names:
            create_row_trigger(connection, name, table, event, when, body)


def drop_v2(connection) -> None:
    for name, table, *_rest in _definitions(connection.dialect.name):
        drop_row_trigger(connection, name, table)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS tn_count_apply ON need_count_changes")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS tn_count_apply()")


# The per-row upkeep a bulk write of trainees and titles sets aside (see `suspend`).
BULK = ("tn_title_insert", "tn_grant_insert")


def _table(name: str) -> str:
    return TRIGGERS_V1[name][0] if name in TRIGGERS_V1 else "training_needs"


def suspend(connection, names=BULK) -> None:
    """Set these triggers aside for the rest of the transaction, as lms.dashboards.triggers.suspend does: the
    bulk write then refreshes the people it wrote (`refresh_users`) and `restore` puts them back before commit."""
    for name in names:
        table = _table(name)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        else:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")


def restore(connection, names=BULK) -> None:
    if connection.dialect.name == "postgresql":
        for name in names:
            connection.exec_driver_sql(f"ALTER TABLE {_table(name)} ENABLE TRIGGER {name}")
    else:
        install_v2(connection, names)


def fill(connection) -> int:
    """Every need row from its sources in one INSERT ... SELECT, and the counts from the rows in another, with the
    triggers off (a bulk load); returns how many rows there are now."""
    if connection.dialect.name == "postgresql":  # this transaction's changes noted so far: counted below
        connection.exec_driver_sql("DELETE FROM need_count_changes WHERE tx = txid_current()")
    connection.exec_driver_sql("DELETE FROM need_counts")
    connection.exec_driver_sql("DELETE FROM training_needs")
    connection.exec_driver_sql(source(connection.dialect.name, "1 = 1"))
    connection.exec_driver_sql(COUNTS_REBUILD)
    return connection.scalar(sa.text("SELECT count(*) FROM training_needs"))


def rebuild(connection) -> int:
    """Recompute every need row and count, the triggers in place (the counts' row-by-row upkeep set aside)."""
    suspend(connection, tuple(COUNT_TRIGGERS_V1))
    count = fill(connection)
    restore(connection, tuple(COUNT_TRIGGERS_V1))
    return count


def refresh_users(connection, user_ids) -> None:
    """Recompute the rows of these people (after a bulk write with the triggers set aside), set-based: two
    statements on SQLite, four on PostgreSQL (their counts' changes noted per count before and after)."""
    ids = [int(i) for i in user_ids]
    if connection.dialect.name == "postgresql":
        chosen, value = "= ANY(CAST(:ids AS integer[]))", "{" + ",".join(map(str, ids)) + "}"
    else:
        chosen, value = "IN (SELECT value FROM json_each(:ids))", json.dumps(ids)
    if connection.dialect.name != "postgresql":
        connection.execute(sa.text(f"DELETE FROM training_needs WHERE user_id {chosen}"), {"ids": value})
        connection.execute(sa.text(source(connection.dialect.name, f"h.user_id {chosen}")), {"ids": value})
        return
    # The counts' changes noted once per count (added at commit in key order) rather than once per row.
    noted = (f"INSERT INTO need_count_changes (tx, opens, {_KEY}, people) SELECT txid_current(), "
             f"row_number() OVER () = 1 AND {_FIRST}, {_KEY}, {{sign}} count(*) FROM training_needs n "
             f"WHERE n.user_id {chosen} AND {_COUNTED.format('n')} GROUP BY {_KEY}")
    connection.execute(sa.text("SELECT set_config('lms.needs_bulk', 'on', true)"))
    connection.execute(sa.text(noted.replace("{sign}", "-")), {"ids": value})
    connection.execute(sa.text(f"DELETE FROM training_needs WHERE user_id {chosen}"), {"ids": value})
    connection.execute(sa.text(source(connection.dialect.name, f"h.user_id {chosen}")), {"ids": value})
    connection.execute(sa.text(noted.replace("{sign}", "")), {"ids": value})
    connection.execute(sa.text("SELECT set_config('lms.needs_bulk', 'off', true)"))
