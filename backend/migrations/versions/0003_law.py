"""the law as dated data (issue 14): licence re-tests, conviction category/negligence/probation/court
expungement, checked fee claims on certificate requests, a parent's consent on residence applications

Revision ID: 0003_law
Revises: 0002_payments_traffic_judicial, 0002_residence
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = '0003_law'
down_revision = ('0002_payments_traffic_judicial', '0002_residence')
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('licence_retests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.Column('passed_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['licence_id'], ['driving_licences.id'],
                            name=op.f('fk_licence_retests_licence_id_driving_licences')),
    sa.ForeignKeyConstraint(['recorded_by_account_id'], ['accounts.id'],
                            name=op.f('fk_licence_retests_recorded_by_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence_retests')),
    sa.UniqueConstraint('licence_id', 'passed_on', name='uq_licence_retests_day')
    )
    with op.batch_alter_table('licence_retests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_retests_licence_id'), ['licence_id'], unique=False)

    with op.batch_alter_table('certificate_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_claim_status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('fee_claim_evidence', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('fee_claim_checked_at', backend.database.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('fee_claim_checked_by_account_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificate_requests_fee_claim_checked_by_account_id_accounts'),
                                    'accounts', ['fee_claim_checked_by_account_id'], ['id'])

    with op.batch_alter_table('conviction_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crime_category', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('through_negligence', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('probation_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('court_expunged_on', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_conviction_records_probation_months'),
            "probation_months IS NULL OR (principal_penalty = 'suspended-sentence' "
            "AND probation_months BETWEEN 12 AND 60)")
        batch_op.create_check_constraint(
            op.f('ck_conviction_records_crime_category'),
            "crime_category IS NULL OR crime_category IN "
            "('less-serious', 'serious', 'very-serious', 'especially-serious')")

    with op.batch_alter_table('residence_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guardian_citizen_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('guardian_consent_at', backend.database.UtcDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_residence_applications_guardian_citizen_id'),
                              ['guardian_citizen_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_residence_applications_guardian_citizen_id_citizens'),
                                    'citizens', ['guardian_citizen_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('residence_applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_residence_applications_guardian_citizen_id_citizens'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_residence_applications_guardian_citizen_id'))
        batch_op.drop_column('guardian_consent_at')
        batch_op.drop_column('guardian_citizen_id')

    with op.batch_alter_table('conviction_records', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_conviction_records_crime_category'), type_='check')
        batch_op.drop_constraint(op.f('ck_conviction_records_probation_months'), type_='check')
        batch_op.drop_column('court_expunged_on')
        batch_op.drop_column('probation_months')
        batch_op.drop_column('through_negligence')
        batch_op.drop_column('crime_category')

    with op.batch_alter_table('certificate_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_requests_fee_claim_checked_by_account_id_accounts'),
                                 type_='foreignkey')
        batch_op.drop_column('fee_claim_checked_by_account_id')
        batch_op.drop_column('fee_claim_checked_at')
        batch_op.drop_column('fee_claim_evidence')
        batch_op.drop_column('fee_claim_status')

    with op.batch_alter_table('licence_retests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licence_retests_licence_id'))

    op.drop_table('licence_retests')
