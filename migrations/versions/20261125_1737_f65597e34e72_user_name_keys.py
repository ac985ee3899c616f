"""Adds users.search_key (diacritic-free) and users.sort_key (Vietnamese name order), filled for existing users.

Revision ID: f65597e34e72
Revises: 481c307bcb06
Create Date: 2026-11-25 17:37:52.851639

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f65597e34e72'
down_revision = '481c307bcb06'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sort_key', sa.String(length=500), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_users_sort_key'), ['sort_key'], unique=False)

    from lms.accounts.names import fold, sort_key

    conn = op.get_bind()
    users = sa.table('users', sa.column('id'), sa.column('username'), sa.column('full_name'),
                     sa.column('search_key'), sa.column('sort_key'))
    for id_, username, full_name in conn.execute(sa.select(users.c.id, users.c.username, users.c.full_name)).all():
        conn.execute(
            users.update().where(users.c.id == id_).values(
                search_key=f"{fold(full_name)} {fold(username)}".strip()[:400], sort_key=sort_key(full_name)[:500]
            )
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_sort_key'))
        batch_op.drop_column('sort_key')
        batch_op.drop_column('search_key')
