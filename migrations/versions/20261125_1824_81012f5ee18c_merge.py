"""Joins the user name keys branch to the rest of the schema history (search, quizzes and certificates).

Revision ID: 81012f5ee18c
Revises: f65597e34e72, 250665b457a0
Create Date: 2026-11-25 18:24:01.061267

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '81012f5ee18c'
down_revision = ('f65597e34e72', '250665b457a0')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
