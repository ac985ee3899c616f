"""Joins the user name keys and the search terms branches of the schema history.

Revision ID: 81012f5ee18c
Revises: f65597e34e72, 8a51a8aae0b0
Create Date: 2026-11-25 18:24:01.061267

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '81012f5ee18c'
down_revision = ('f65597e34e72', '8a51a8aae0b0')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
