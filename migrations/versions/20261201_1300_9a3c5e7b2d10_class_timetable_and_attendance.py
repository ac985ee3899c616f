"""Class timetables: sessions, attendance per session, the class's absence limit and its exceptions.

Revision ID: 9a3c5e7b2d10
Revises: 7d2f4b8e1c35
Create Date: 2026-12-01 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '9a3c5e7b2d10'
down_revision = '7d2f4b8e1c35'
branch_labels = None
depends_on = None

PRESENCE = sa.Enum('present', 'excused', 'absent', name='presence', native_enum=False, create_constraint=True,
                   length=10)
METHOD = sa.Enum('list', 'code', name='attendancemethod', native_enum=False, create_constraint=True, length=10)


def upgrade():
    with op.batch_alter_table('classes') as batch_op:
        batch_op.add_column(sa.Column('absence_limit_percent', sa.Integer(), server_default='20', nullable=False))
        batch_op.create_check_constraint(op.f('ck_classes_absence_limit_percent_range'), 'absence_limit_percent BETWEEN 0 AND 100')

    op.create_table('class_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('topic', sa.String(length=255), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('lecturer_id', sa.Integer(), nullable=True),
    sa.Column('room', sa.String(length=120), nullable=False),
    sa.Column('checkin_code', sa.String(length=12), nullable=True),
    sa.Column('checkin_expires_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_class_sessions_ends_after_start')),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_class_sessions_class_id_classes'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lecturer_id'], ['users.id'], name=op.f('fk_class_sessions_lecturer_id_users')),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_class_sessions_module_id_modules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_sessions'))
    )
    with op.batch_alter_table('class_sessions') as batch_op:
        batch_op.create_index('ix_class_sessions_class_on', ['class_id', 'held_on', 'starts_at'], unique=False)
        batch_op.create_index('ix_class_sessions_held_on', ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_sessions_lecturer_id'), ['lecturer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_sessions_module_id'), ['module_id'], unique=False)

    op.create_table('session_attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('presence', PRESENCE, nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('method', METHOD, nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_session_attendances_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'],
                            name=op.f('fk_session_attendances_session_id_class_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainee_id'], ['users.id'], name=op.f('fk_session_attendances_trainee_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendances')),
    sa.UniqueConstraint('session_id', 'trainee_id', name=op.f('uq_session_attendances_session_id_trainee_id'))
    )
    with op.batch_alter_table('session_attendances') as batch_op:
        batch_op.create_index('ix_session_attendances_trainee_presence', ['trainee_id', 'presence'], unique=False)

    op.create_table('session_checkin_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('failed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'],
                            name=op.f('fk_session_checkin_failures_session_id_class_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainee_id'], ['users.id'], name=op.f('fk_session_checkin_failures_trainee_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_checkin_failures'))
    )
    with op.batch_alter_table('session_checkin_failures') as batch_op:
        batch_op.create_index('ix_session_checkin_failures_session_trainee', ['session_id', 'trainee_id', 'failed_at'],
                              unique=False)

    op.create_table('attendance_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_attendance_exceptions_granted_by_id_users')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'],
                            name=op.f('fk_attendance_exceptions_nomination_id_nominations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_exceptions')),
    sa.UniqueConstraint('nomination_id', name=op.f('uq_attendance_exceptions_nomination_id'))
    )


def downgrade():
    op.drop_table('attendance_exceptions')
    with op.batch_alter_table('session_checkin_failures') as batch_op:
        batch_op.drop_index('ix_session_checkin_failures_session_trainee')
    op.drop_table('session_checkin_failures')
    with op.batch_alter_table('session_attendances') as batch_op:
        batch_op.drop_index('ix_session_attendances_trainee_presence')
    op.drop_table('session_attendances')
    with op.batch_alter_table('class_sessions') as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_sessions_module_id'))
        batch_op.drop_index(batch_op.f('ix_class_sessions_lecturer_id'))
        batch_op.drop_index('ix_class_sessions_held_on')
        batch_op.drop_index('ix_class_sessions_class_on')
    op.drop_table('class_sessions')
    with op.batch_alter_table('classes') as batch_op:
        batch_op.drop_constraint(op.f('ck_classes_absence_limit_percent_range'), type_='check')
        batch_op.drop_column('absence_limit_percent')
