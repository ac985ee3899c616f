"""Certificates as a school issues them: issuing schools per unit, a number per school and year, the issuer as printed.

Revision ID: 955984aa982e
Revises: 9a3c5e7b2d10
Create Date: 2026-12-01 13:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '955984aa982e'
down_revision = '9a3c5e7b2d10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificate_issuers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('heading', sa.Enum('party', 'state', name='certificateheading', native_enum=False,
                                     create_constraint=True, length=10), nullable=False),
        sa.Column('superior_body', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('place', sa.String(length=100), nullable=False),
        sa.Column('number_suffix', sa.String(length=30), nullable=False),
        sa.Column('signer_title', sa.String(length=255), nullable=False),
        sa.Column('signer_name', sa.String(length=200), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_certificate_issuers_unit_id_units'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_issuers')),
        sa.UniqueConstraint('unit_id', name=op.f('uq_certificate_issuers_unit_id')),
    )
    op.create_table(
        'certificate_counters',
        sa.Column('issuer_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['issuer_id'], ['certificate_issuers.id'],
                                name=op.f('fk_certificate_counters_issuer_id_certificate_issuers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('issuer_id', 'year', name=op.f('pk_certificate_counters')),
    )
    # Certificates issued before keep no number and an empty issuer (the paper prints without them).
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.add_column(sa.Column('issuer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('number_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('serial', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('number', sa.String(length=50), server_default='', nullable=False))
        batch_op.add_column(sa.Column('issued_by', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.create_index('ix_certificates_number', ['number'], unique=False)
        batch_op.create_unique_constraint(op.f('uq_certificates_issuer_id_number_year_serial'),
                                          ['issuer_id', 'number_year', 'serial'])
        batch_op.create_foreign_key(op.f('fk_certificates_issuer_id_certificate_issuers'), 'certificate_issuers',
                                    ['issuer_id'], ['id'])


def downgrade():
    with op.batch_alter_table('certificates') as batch_op:
        batch_op.drop_constraint(op.f('fk_certificates_issuer_id_certificate_issuers'), type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_certificates_issuer_id_number_year_serial'), type_='unique')
        batch_op.drop_index('ix_certificates_number')
        batch_op.drop_column('issued_by')
        batch_op.drop_column('number')
        batch_op.drop_column('serial')
        batch_op.drop_column('number_year')
        batch_op.drop_column('issuer_id')
    op.drop_table('certificate_counters')
    # The CHECK of the heading goes with its table.
    op.drop_table('certificate_issuers')
