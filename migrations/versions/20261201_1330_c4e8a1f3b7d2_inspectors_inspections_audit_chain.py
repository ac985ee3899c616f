"""Inspectors (a read-only role with a unit scope) and their inspections of classes; audit entries record the
client's address and are hash-chained (existing entries are hashed in id order).

Revision ID: c4e8a1f3b7d2
Revises: b00ac608f927
Create Date: 2026-12-01 13:30:00

"""
import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = 'c4e8a1f3b7d2'
down_revision = 'b00ac608f927'
branch_labels = None
depends_on = None

OLD_ROLES = ('trainee', 'lecturer', 'admin')
NEW_ROLES = (*OLD_ROLES, 'inspector')
GENESIS = "0" * 64
BATCH = 5000


def _role_type(values):
    return sa.Enum(*values, name='role', native_enum=False, create_constraint=True, length=20)


def _entry_hash(prev_hash, at, actor_id, action, object_type, object_id, detail, ip):
    # The content hash of lms.audit.entry_hash as of this revision (the application is not imported here).
    if isinstance(detail, str):
        detail = json.loads(detail)
    at_text = at.isoformat(timespec="microseconds") if isinstance(at, datetime) else str(at)
    content = [prev_hash, at_text, actor_id, action, object_type, object_id, detail, ip]
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade():
    with op.batch_alter_table('role_grants') as batch_op:
        batch_op.alter_column('role', existing_type=_role_type(OLD_ROLES), type_=_role_type(NEW_ROLES),
                              existing_nullable=False)

    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=True),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('recommendations', sa.Text(), nullable=False),
    sa.Column('follow_up_due', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_inspections_answered_by_id_users')),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_inspections_class_id_classes'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections') as batch_op:
        batch_op.create_index('ix_inspections_class_on', ['class_id', 'inspected_on'], unique=False)
        batch_op.create_index('ix_inspections_open_due', ['answered_at', 'follow_up_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_inspector_id'), ['inspector_id'], unique=False)

    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('entries', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain'))
    )
    with op.batch_alter_table('audit_entries') as batch_op:
        batch_op.add_column(sa.Column('ip', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    # Hash what is there, in id order, a batch at a time.
    conn = op.get_bind()
    entries = sa.table('audit_entries', sa.column('id', sa.Integer), sa.column('at', sa.DateTime),
                       sa.column('actor_id', sa.Integer), sa.column('action', sa.String),
                       sa.column('object_type', sa.String), sa.column('object_id', sa.Integer),
                       sa.column('detail', sa.JSON), sa.column('ip', sa.String), sa.column('prev_hash', sa.String),
                       sa.column('hash', sa.String))
    last, count, after = GENESIS, 0, 0
    while True:
        rows = conn.execute(sa.select(entries.c.id, entries.c.at, entries.c.actor_id, entries.c.action,
                                      entries.c.object_type, entries.c.object_id, entries.c.detail, entries.c.ip)
                            .where(entries.c.id > after).order_by(entries.c.id).limit(BATCH)).all()
        if not rows:
            break
        updates = []
        for row in rows:
            digest = _entry_hash(last, *row[1:])
            updates.append({"b_id": row.id, "b_prev": last, "b_hash": digest})
            last = digest
        conn.execute(entries.update().where(entries.c.id == sa.bindparam("b_id"))
                     .values(prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash")), updates)
        count += len(rows)
        after = rows[-1].id
    conn.execute(sa.table('audit_chain', sa.column('id'), sa.column('last_hash'), sa.column('entries')).insert()
                 .values(id=1, last_hash=last, entries=count))
    with op.batch_alter_table('audit_entries') as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('audit_entries') as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('ip')
    op.drop_table('audit_chain')
    with op.batch_alter_table('inspections') as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_inspector_id'))
        batch_op.drop_index('ix_inspections_open_due')
        batch_op.drop_index('ix_inspections_class_on')
    op.drop_table('inspections')
    op.execute("DELETE FROM role_grants WHERE role = 'inspector'")
    with op.batch_alter_table('role_grants') as batch_op:
        batch_op.alter_column('role', existing_type=_role_type(NEW_ROLES), type_=_role_type(OLD_ROLES),
                              existing_nullable=False)
