"""Documents record where their text is published (source).

Revision ID: 5c0e7d1a9b21
Revises: b50dedd24da2
Create Date: 2026-12-01 10:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5c0e7d1a9b21'
down_revision = 'b50dedd24da2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_column('source')
