"""Review passages: each line of a lesson, summary, quiz question, rubric or program description that mentions a superseded or amended document, and whether it was edited or confirmed.

Revision ID: 5f056b77afcb
Revises: 7326e1f162ba
Create Date: 2026-12-01 13:16:45.051488

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f056b77afcb'
down_revision = '7326e1f162ba'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_passages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=True),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('old_document_id', sa.Integer(), nullable=False),
    sa.Column('new_document_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('place_key', sa.String(length=80), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('passage', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'edited', 'confirmed', name='passagestatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['flag_id'], ['review_flags.id'], name=op.f('fk_review_passages_flag_id_review_flags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_review_passages_handled_by_id_users')),
    sa.ForeignKeyConstraint(['new_document_id'], ['documents.id'], name=op.f('fk_review_passages_new_document_id_documents')),
    sa.ForeignKeyConstraint(['old_document_id'], ['documents.id'], name=op.f('fk_review_passages_old_document_id_documents')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_review_passages_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_passages'))
    )
    with op.batch_alter_table('review_passages', schema=None) as batch_op:
        batch_op.create_index('ix_review_passages_documents', ['old_document_id', 'new_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_passages_flag_id'), ['flag_id'], unique=False)
        batch_op.create_index('ix_review_passages_open', ['status', 'program_id'], unique=False)



def downgrade():
    with op.batch_alter_table('review_passages', schema=None) as batch_op:
        batch_op.drop_index('ix_review_passages_open')
        batch_op.drop_index(batch_op.f('ix_review_passages_flag_id'))
        batch_op.drop_index('ix_review_passages_documents')

    op.drop_table('review_passages')
