"""Merge the delivery and dashboards migration branches.

Revision ID: fe7522cba165
Revises: 9a69091456d2, fc000da0f05c
Create Date: 2026-11-25 18:12:28.586793

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fe7522cba165'
down_revision = ('9a69091456d2', 'fc000da0f05c')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
