"""Documents record where their text is published (source).

Revision ID: 5c0e7d1a9b21
Revises: 42012f5430a1
Create Date: 2026-12-01 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5c0e7d1a9b21'
down_revision = '42012f5430a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_column('source')
