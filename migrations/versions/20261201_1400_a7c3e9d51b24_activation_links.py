"""Activation links: one-time links to set one's own password; users must change an admin-set password.

Revision ID: a7c3e9d51b24
Revises: 0ff6fff4d65f
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9d51b24'
down_revision = '0ff6fff4d65f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activation_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_activation_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activation_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_activation_links_token_hash'))
    )
    with op.batch_alter_table('activation_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activation_links_user_id'), ['user_id'], unique=False)
    # A plain ADD COLUMN (no table copy on SQLite: the dashboard's triggers name the users table).
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.drop_column('users', 'must_change_password')
    with op.batch_alter_table('activation_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activation_links_user_id'))
    op.drop_table('activation_links')
