"""Training needs: fewer index entries to write per need. The index by branch holds only the shared rows (the only ones a whole tree reads by branch), those of the years a title starts or ends only the rows that have such a year, and the index by program goes (one program's people are read by unit and program, through the index by unit).

Revision ID: 7b6fb301dba8
Revises: e5b7c2a9d4f1
Create Date: 2026-12-01 19:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7b6fb301dba8'
down_revision = 'e5b7c2a9d4f1'
branch_labels = None
depends_on = None

_START = ['start_edge', 'branch_id', 'program_id', 'shared', 'starts_on', 'ends_on', 'valid_until', 'key_title']
_END = ['end_edge', 'branch_id', 'program_id', 'shared', 'starts_on', 'ends_on', 'valid_until', 'key_title',
        'start_edge']


def _where(condition_sqlite, condition_postgresql=None):
    return {"sqlite_where": sa.text(condition_sqlite),
            "postgresql_where": sa.text(condition_postgresql or condition_sqlite)}


def upgrade():
    op.drop_index('ix_training_needs_branch', table_name='training_needs')
    op.drop_index('ix_training_needs_start_edge', table_name='training_needs')
    op.drop_index('ix_training_needs_end_edge', table_name='training_needs')
    op.drop_index('ix_training_needs_program', table_name='training_needs')
    op.create_index('ix_training_needs_branch_shared', 'training_needs',
                    ['branch_id', 'program_id', 'starts_on', 'ends_on', 'valid_until', 'key_title', 'user_id'],
                    **_where("shared = 1", "shared"))
    op.create_index('ix_training_needs_start_edge', 'training_needs', _START, **_where("start_edge IS NOT NULL"))
    op.create_index('ix_training_needs_end_edge', 'training_needs', _END, **_where("end_edge IS NOT NULL"))


def downgrade():
    op.drop_index('ix_training_needs_end_edge', table_name='training_needs')
    op.drop_index('ix_training_needs_start_edge', table_name='training_needs')
    op.drop_index('ix_training_needs_branch_shared', table_name='training_needs')
    op.create_index('ix_training_needs_program', 'training_needs',
                    ['program_id', 'unit_id', 'user_id', 'starts_on', 'ends_on', 'valid_until', 'key_title'])
    op.create_index('ix_training_needs_end_edge', 'training_needs', _END)
    op.create_index('ix_training_needs_start_edge', 'training_needs', _START)
    op.create_index('ix_training_needs_branch', 'training_needs',
                    ['branch_id', 'shared', 'program_id', 'starts_on', 'ends_on', 'valid_until', 'key_title',
                     'user_id'])
