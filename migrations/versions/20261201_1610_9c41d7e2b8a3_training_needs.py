"""Training needs: one row per title assignment of an active trainee and program targeting its title, unless a valid completion covers it for good, and the people counted per unit, program and range of years; their indexes, the rows of the data already recorded, and the triggers that keep them current.

Revision ID: 9c41d7e2b8a3
Revises: 3b9d2f6a1c57
Create Date: 2026-12-01 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c41d7e2b8a3'
down_revision = '3b9d2f6a1c57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('need_counts',
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('from_year', sa.Integer(), nullable=False),
    sa.Column('to_year', sa.Integer(), nullable=False),
    sa.Column('key_title', sa.Boolean(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('branch_id', 'program_id', 'unit_id', 'from_year', 'to_year', 'key_title', name=op.f('pk_need_counts')),
    sqlite_with_rowid=False
    )
    op.create_table('training_needs',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('title_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('key_title', sa.Boolean(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('from_year', sa.Integer(), nullable=False),
    sa.Column('to_year', sa.Integer(), nullable=False),
    sa.Column('start_edge', sa.Integer(), nullable=True),
    sa.Column('end_edge', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['title_assignments.id'], name=op.f('fk_training_needs_assignment_id_title_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_training_needs_program_id_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_needs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assignment_id', 'program_id', name=op.f('pk_training_needs'))
    )
    with op.batch_alter_table('training_needs', schema=None) as batch_op:
        batch_op.create_index('ix_training_needs_branch', ['branch_id', 'shared', 'program_id', 'starts_on', 'ends_on', 'valid_until', 'key_title', 'user_id'], unique=False)
        batch_op.create_index('ix_training_needs_end_edge', ['end_edge', 'branch_id', 'program_id', 'shared', 'starts_on', 'ends_on', 'valid_until', 'key_title', 'start_edge'], unique=False)
        batch_op.create_index('ix_training_needs_program', ['program_id', 'unit_id', 'user_id', 'starts_on', 'ends_on', 'valid_until', 'key_title'], unique=False)
        batch_op.create_index('ix_training_needs_start_edge', ['start_edge', 'branch_id', 'program_id', 'shared', 'starts_on', 'ends_on', 'valid_until', 'key_title'], unique=False)
        batch_op.create_index('ix_training_needs_title', ['title_id', 'program_id'], unique=False)
        batch_op.create_index('ix_training_needs_unit', ['unit_id', 'program_id', 'shared', 'starts_on', 'ends_on', 'valid_until', 'key_title', 'user_id'], unique=False)
        batch_op.create_index('ix_training_needs_user', ['user_id', 'program_id'], unique=False)

    # The needs of the data already recorded, then their counts; the triggers keep both in step from here on.
    connection = op.get_bind()
    connection.exec_driver_sql(source(connection.dialect.name, "1 = 1"))
    connection.exec_driver_sql(COUNTS_REBUILD)
    _install_v1(connection)


def downgrade():
    _drop_v1(op.get_bind())
    with op.batch_alter_table('training_needs', schema=None) as batch_op:
        batch_op.drop_index('ix_training_needs_user')
        batch_op.drop_index('ix_training_needs_unit')
        batch_op.drop_index('ix_training_needs_title')
        batch_op.drop_index('ix_training_needs_start_edge')
        batch_op.drop_index('ix_training_needs_program')
        batch_op.drop_index('ix_training_needs_end_edge')
        batch_op.drop_index('ix_training_needs_branch')

    op.drop_table('training_needs')
    op.drop_table('need_counts')


# The tables' sources and triggers as this revision defines them, copied from lms.delivery.need_triggers so that
# this migration creates the same triggers whatever the application's code later becomes.
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


def source(dialect, where):
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


def _body(dialect, steps):
    statements = []
    for delete, where in steps:
        statements.append(f"DELETE FROM training_needs WHERE {delete};")
        if where:
            statements.append(source(dialect, where) + ";")
    return " ".join(statements)


def _sqlite_when(condition):
    return condition.replace("IS DISTINCT FROM", "IS NOT")


def _definitions(dialect):
    for name, (table, event, when, steps) in TRIGGERS_V1.items():
        yield name, table, event, when, _body(dialect, steps)
    for name, (event, when, body) in COUNT_TRIGGERS_V1.items():
        yield name, "training_needs", event, when, body


def _install_v1(connection):
    """Create the triggers (and, on PostgreSQL, their functions)."""
    postgres = connection.dialect.name == "postgresql"
    for name, table, event, when, body in _definitions(connection.dialect.name):
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


def _drop_v1(connection):
    postgres = connection.dialect.name == "postgresql"
    for name, table, *_rest in _definitions(connection.dialect.name):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
