"""The search index: one row per indexed object and token, folded and as written, with its weight.

Revision ID: 8a51a8aae0b0
Revises: c3eda0b4eee3
Create Date: 2026-11-25 17:38:59.634159

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a51a8aae0b0'
down_revision = 'c3eda0b4eee3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('document', 'lesson', 'module', name='searchkind', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('draft', sa.Boolean(), nullable=False),
    sa.Column('term', sa.String(length=64), nullable=False),
    sa.Column('exact', sa.String(length=64), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_terms'))
    )
    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_terms_module_id'), ['module_id'], unique=False)
        batch_op.create_index('ix_search_terms_object', ['kind', 'object_id'], unique=False)
        batch_op.create_index('ix_search_terms_term', ['term', 'kind', 'object_id', 'draft', 'weight', 'exact'], unique=False)



def downgrade():
    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_search_terms_term')
        batch_op.drop_index('ix_search_terms_object')
        batch_op.drop_index(batch_op.f('ix_search_terms_module_id'))

    op.drop_table('search_terms')
