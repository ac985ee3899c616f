"""Lessons opened and completed without a connection: each event applied once, by the key the phone gave it.

Revision ID: 7326e1f162ba
Revises: c4e8a1f3b7d2
Create Date: 2026-12-01 13:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7326e1f162ba'
down_revision = 'c4e8a1f3b7d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'offline_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.Column('happened_at', sa.DateTime(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_offline_events_lesson_id_lessons'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_offline_events_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_events')),
        sa.UniqueConstraint('key', name=op.f('uq_offline_events_key')),
    )
    with op.batch_alter_table('offline_events') as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_events_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('offline_events') as batch_op:
        batch_op.drop_index(batch_op.f('ix_offline_events_user_id'))
    op.drop_table('offline_events')
