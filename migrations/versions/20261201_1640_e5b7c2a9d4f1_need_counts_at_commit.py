"""Training-need counts on PostgreSQL are changed at commit, in the counts' key order: the triggers on training_needs note each change in need_count_changes and a deferred trigger applies a transaction's changes at once, so that two transactions never lock two counts in opposite orders. SQLite keeps its row-by-row counts (the table stays empty there).

Revision ID: e5b7c2a9d4f1
Revises: 9c41d7e2b8a3
Create Date: 2026-12-01 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b7c2a9d4f1'
down_revision = '9c41d7e2b8a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('need_count_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tx', sa.BigInteger(), nullable=False),
    sa.Column('opens', sa.Boolean(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('from_year', sa.Integer(), nullable=False),
    sa.Column('to_year', sa.Integer(), nullable=False),
    sa.Column('key_title', sa.Boolean(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_count_changes'))
    )
    with op.batch_alter_table('need_count_changes', schema=None) as batch_op:
        batch_op.create_index('ix_need_count_changes_tx', ['tx'], unique=False)

    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(APPLY_V2)
        connection.exec_driver_sql(APPLY_TRIGGER_V2)
        _counts(connection, COUNT_TRIGGERS_V2)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS tn_count_apply ON need_count_changes")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS tn_count_apply()")
        # Changes noted and not applied cannot exist outside a transaction; the counts stay as they are.
        _counts(connection, COUNT_TRIGGERS_V1)
    with op.batch_alter_table('need_count_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_need_count_changes_tx')
    op.drop_table('need_count_changes')


def _counts(connection, triggers):
    for name, (event, when, body) in triggers.items():
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON training_needs")
        connection.exec_driver_sql(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$")
        connection.exec_driver_sql(
            f"CREATE TRIGGER {name} AFTER {event} ON training_needs FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION {name}()")


# The definitions as this revision has them, copied from lms.delivery.need_triggers (versions 1 and 2).
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
_KEY = "branch_id, program_id, unit_id, from_year, to_year, key_title"
_FIRST = "NOT EXISTS (SELECT 1 FROM need_count_changes WHERE tx = txid_current())"
_NOTE = ("INSERT INTO need_count_changes (tx, opens, branch_id, program_id, unit_id, from_year, to_year, key_title, "
         f"people) VALUES (txid_current(), {_FIRST}, {{0}}.branch_id, {{0}}.program_id, {{0}}.unit_id, "
         "{0}.from_year, {0}.to_year, {0}.key_title, {1});")
_NOT_BULK = "current_setting('lms.needs_bulk', true) IS DISTINCT FROM 'on'"
COUNT_TRIGGERS_V2 = {
    "tn_count_insert": ("INSERT", f"{_COUNTED.format('NEW')} AND {_NOT_BULK}", _NOTE.format("NEW", 1)),
    "tn_count_delete": ("DELETE", f"{_COUNTED.format('OLD')} AND {_NOT_BULK}", _NOTE.format("OLD", -1)),
}
_SAME_KEY = " AND ".join(f"n.{k} = c.{k}" for k in _KEY.split(", "))
APPLY_V2 = (
    "CREATE OR REPLACE FUNCTION tn_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO need_counts AS n ({_KEY}, people) SELECT {_KEY}, sum(people) FROM need_count_changes "
    f"WHERE tx = txid_current() GROUP BY {_KEY} HAVING sum(people) <> 0 ORDER BY {_KEY} "
    f"ON CONFLICT ({_KEY}) DO UPDATE SET people = n.people + EXCLUDED.people; "
    f"DELETE FROM need_counts n USING need_count_changes c WHERE c.tx = txid_current() AND {_SAME_KEY} "
    "AND n.people = 0; "
    "DELETE FROM need_count_changes WHERE tx = txid_current(); "
    "RETURN NULL; END $$"
)
APPLY_TRIGGER_V2 = ("CREATE CONSTRAINT TRIGGER tn_count_apply AFTER INSERT ON need_count_changes "
                       "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.opens) EXECUTE FUNCTION tn_count_apply()")
