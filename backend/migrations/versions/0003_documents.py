"""documents: agency numbers, short verification links, replacement; per-agency-per-year number books

Revision ID: 0003_documents
Revises: 0002_residence
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_documents'
down_revision = '0002_residence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_number_sequences',
    sa.Column('agency_code', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_number >= 0', name=op.f('ck_document_number_sequences_last_number')),
    sa.PrimaryKeyConstraint('agency_code', 'year', name=op.f('pk_document_number_sequences'))
    )
    with op.batch_alter_table('signed_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('issuer_code', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('issuer_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('short_id', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('short_key_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_signed_documents_number'), ['number'])
        batch_op.create_unique_constraint(batch_op.f('uq_signed_documents_short_id'), ['short_id'])


def downgrade() -> None:
    with op.batch_alter_table('signed_documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_signed_documents_short_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_signed_documents_number'), type_='unique')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('short_key_sha256')
        batch_op.drop_column('short_id')
        batch_op.drop_column('issuer_name')
        batch_op.drop_column('issuer_code')
        batch_op.drop_column('number')
    op.drop_table('document_number_sequences')
