"""accommodation establishments and the account that operates each; notices name the establishment

Revision ID: 0003_establishments
Revises: 0002_residence
"""

from alembic import op
import sqlalchemy as sa
import backend.database


revision = '0003_establishments'
down_revision = '0002_residence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accommodation_establishments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('licence_number', sa.String(length=40), nullable=False),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('operator_account_id', sa.Integer(), nullable=False),
    sa.Column('registered_by_account_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['operator_account_id'], ['accounts.id'],
                            name=op.f('fk_accommodation_establishments_operator_account_id_accounts')),
    sa.ForeignKeyConstraint(['registered_by_account_id'], ['accounts.id'],
                            name=op.f('fk_accommodation_establishments_registered_by_account_id_accounts')),
    sa.ForeignKeyConstraint(['ward_code'], ['administrative_units.code'],
                            name=op.f('fk_accommodation_establishments_ward_code_administrative_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accommodation_establishments')),
    sa.UniqueConstraint('licence_number', name=op.f('uq_accommodation_establishments_licence_number'))
    )
    with op.batch_alter_table('accommodation_establishments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accommodation_establishments_operator_account_id'),
                              ['operator_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accommodation_establishments_ward_code'), ['ward_code'], unique=False)

    with op.batch_alter_table('accommodation_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('establishment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_accommodation_notices_establishment_id'), ['establishment_id'],
                              unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_accommodation_notices_establishment_id_accommodation_establishments'),
            'accommodation_establishments', ['establishment_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('accommodation_notices', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_accommodation_notices_establishment_id_accommodation_establishments'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_accommodation_notices_establishment_id'))
        batch_op.drop_column('establishment_id')
    with op.batch_alter_table('accommodation_establishments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accommodation_establishments_ward_code'))
        batch_op.drop_index(batch_op.f('ix_accommodation_establishments_operator_account_id'))
    op.drop_table('accommodation_establishments')
