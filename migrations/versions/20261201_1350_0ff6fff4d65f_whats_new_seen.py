"""What's new: the revision of a module whose note each trainee has read.

Revision ID: 0ff6fff4d65f
Revises: 5f056b77afcb
Create Date: 2026-12-01 13:27:46.941420

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0ff6fff4d65f'
down_revision = '5f056b77afcb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('whats_new_seen',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_whats_new_seen_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['module_revisions.id'], name=op.f('fk_whats_new_seen_revision_id_module_revisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_whats_new_seen_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'module_id', name=op.f('pk_whats_new_seen'))
    )


def downgrade():
    op.drop_table('whats_new_seen')
