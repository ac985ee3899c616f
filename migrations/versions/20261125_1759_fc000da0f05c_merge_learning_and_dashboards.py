"""Merge the learning and dashboards migration branches.

Revision ID: fc000da0f05c
Revises: 56438e66e613, 87b0cefd5c40
Create Date: 2026-11-25 17:59:10.962621

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fc000da0f05c'
down_revision = ('56438e66e613', '87b0cefd5c40')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
