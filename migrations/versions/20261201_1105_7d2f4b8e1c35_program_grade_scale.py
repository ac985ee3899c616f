"""Programs choose their grading scale: 10 points with one decimal (the default) or 100 points.

Revision ID: 7d2f4b8e1c35
Revises: 5c0e7d1a9b21
Create Date: 2026-12-01 11:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7d2f4b8e1c35'
down_revision = '5c0e7d1a9b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programs') as batch_op:
        batch_op.add_column(sa.Column(
            'grade_scale',
            sa.Enum('10', '100', name='gradescale', native_enum=False, create_constraint=True, length=10),
            server_default='10', nullable=False))


def downgrade():
    with op.batch_alter_table('programs') as batch_op:
        # The CHECK goes first: SQLite's copy of the table would otherwise still check a column it no longer has.
        batch_op.drop_constraint(op.f('ck_programs_gradescale'), type_='check')
        batch_op.drop_column('grade_scale')
