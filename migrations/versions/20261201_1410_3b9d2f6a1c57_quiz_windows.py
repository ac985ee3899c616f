"""Quiz windows: when a quiz opens and closes (UTC), the closing time indexed for its reminder.

Revision ID: 3b9d2f6a1c57
Revises: a7c3e9d51b24
Create Date: 2026-12-01 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b9d2f6a1c57'
down_revision = 'a7c3e9d51b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_quizzes_closes_at'), ['closes_at'], unique=False)


def downgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quizzes_closes_at'))
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
