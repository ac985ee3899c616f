"""Adds covering indexes in the order of the national dashboard groupings (program, start date, completions).

Revision ID: 1f1efa5be02f
Revises: 87b0cefd5c40
Create Date: 2026-11-25 19:08:19.411538

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '1f1efa5be02f'
down_revision = '87b0cefd5c40'
branch_labels = None
depends_on = None


COLUMNS = {
    "ix_completion_facts_rank_program": ["title_rank", "program_id", "unit_id", "state", "due_on", "started_on",
                                         "province_id", "locality_id", "completed_at"],
    "ix_completion_facts_rank_started": ["title_rank", "started_on", "unit_id", "state", "due_on", "program_id",
                                         "province_id", "locality_id", "completed_at"],
    "ix_completion_facts_rank_completed": ["title_rank", "state", "completed_at", "unit_id", "due_on", "program_id",
                                           "started_on", "province_id", "locality_id"],
}


def upgrade():
    # Plain CREATE INDEX (no batch table copy): the completion_facts triggers stay in place.
    for name, columns in COLUMNS.items():
        op.create_index(name, "completion_facts", columns, unique=False)


def downgrade():
    for name in COLUMNS:
        op.drop_index(name, table_name="completion_facts")
