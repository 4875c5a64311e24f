"""payments, traffic penalties, judicial records: intents, postings, callback nonces, penalty decisions,
conviction records, certificate requests

Revision ID: 0002_payments_traffic_judicial
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = '0002_payments_traffic_judicial'
down_revision = '0001'
branch_labels = ('payments_traffic_judicial',)
depends_on = None


def upgrade() -> None:
    op.create_table('payment_callback_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('gateway', sa.String(length=20), nullable=False),
    sa.Column('received_at', backend.database.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_payment_callback_nonces'))
    )
    op.create_index(op.f('ix_payment_callback_nonces_received_at'), 'payment_callback_nonces', ['received_at'], unique=False)
    op.create_table('certificate_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('requester_account_id', sa.Integer(), nullable=False),
    sa.Column('subject_citizen_id', sa.Integer(), nullable=False),
    sa.Column('certificate_type', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('delivery', sa.String(length=12), nullable=False),
    sa.Column('postal_address', sa.String(length=300), nullable=True),
    sa.Column('include_bans', sa.Boolean(), nullable=False),
    sa.Column('fee_category', sa.String(length=40), nullable=False),
    sa.Column('fee_amount', sa.BigInteger(), nullable=False),
    sa.Column('needs_verification', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('paid_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('issued_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('issued_by_account_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.CheckConstraint("status IN ('awaiting_payment', 'queued', 'issued')", name=op.f('ck_certificate_requests_status')),
    sa.CheckConstraint('certificate_type = 1 OR NOT include_bans', name=op.f('ck_certificate_requests_include_bans')),
    sa.CheckConstraint('certificate_type IN (1, 2)', name=op.f('ck_certificate_requests_certificate_type')),
    sa.CheckConstraint('copies BETWEEN 1 AND 20', name=op.f('ck_certificate_requests_copies')),
    sa.CheckConstraint('fee_amount >= 0', name=op.f('ck_certificate_requests_fee_amount')),
    sa.ForeignKeyConstraint(['issued_by_account_id'], ['accounts.id'], name=op.f('fk_certificate_requests_issued_by_account_id_accounts')),
    sa.ForeignKeyConstraint(['requester_account_id'], ['accounts.id'], name=op.f('fk_certificate_requests_requester_account_id_accounts')),
    sa.ForeignKeyConstraint(['subject_citizen_id'], ['citizens.id'], name=op.f('fk_certificate_requests_subject_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_requests')),
    sa.UniqueConstraint('number', name=op.f('uq_certificate_requests_number'))
    )
    op.create_index(op.f('ix_certificate_requests_requester_account_id'), 'certificate_requests', ['requester_account_id'], unique=False)
    op.create_index('ix_certificate_requests_status_due', 'certificate_requests', ['status', 'due_on'], unique=False)
    op.create_index(op.f('ix_certificate_requests_subject_citizen_id'), 'certificate_requests', ['subject_citizen_id'], unique=False)
    op.create_table('conviction_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('judgment_number', sa.String(length=40), nullable=False),
    sa.Column('judgment_date', sa.Date(), nullable=False),
    sa.Column('court', sa.String(length=150), nullable=False),
    sa.Column('offence', sa.String(length=200), nullable=False),
    sa.Column('penal_code_article', sa.String(length=40), nullable=False),
    sa.Column('offence_date', sa.Date(), nullable=False),
    sa.Column('principal_penalty', sa.String(length=24), nullable=False),
    sa.Column('imprisonment_months', sa.Integer(), nullable=True),
    sa.Column('additional_penalties', sa.String(length=300), nullable=True),
    sa.Column('ban', sa.String(length=200), nullable=True),
    sa.Column('principal_completed_on', sa.Date(), nullable=True),
    sa.Column('additional_completed_on', sa.Date(), nullable=True),
    sa.Column('exempted', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(principal_penalty = 'imprisonment') = (imprisonment_months IS NOT NULL)", name=op.f('ck_conviction_records_imprisonment_months')),
    sa.CheckConstraint("principal_penalty IN ('warning', 'fine', 'non-custodial-reform', 'suspended-sentence', 'imprisonment', 'life-imprisonment', 'death-commuted')", name=op.f('ck_conviction_records_principal_penalty')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_conviction_records_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['recorded_by_account_id'], ['accounts.id'], name=op.f('fk_conviction_records_recorded_by_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conviction_records')),
    sa.UniqueConstraint('court', 'judgment_number', 'citizen_id', name='uq_conviction_records_judgment')
    )
    op.create_index(op.f('ix_conviction_records_citizen_id'), 'conviction_records', ['citizen_id'], unique=False)
    op.create_table('payment_intents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('purpose_kind', sa.String(length=20), nullable=False),
    sa.Column('purpose_ref', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('gateway', sa.String(length=20), nullable=False),
    sa.Column('checkout_url', sa.String(length=300), nullable=False),
    sa.Column('gateway_transaction_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('expires_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('completed_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('refund_reason', sa.String(length=60), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'refund_due')", name=op.f('ck_payment_intents_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_intents_amount')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_payment_intents_account_id_accounts')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_payment_intents_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_intents')),
    sa.UniqueConstraint('public_id', name=op.f('uq_payment_intents_public_id'))
    )
    op.create_index(op.f('ix_payment_intents_account_id'), 'payment_intents', ['account_id'], unique=False)
    op.create_index(op.f('ix_payment_intents_citizen_id'), 'payment_intents', ['citizen_id'], unique=False)
    op.create_index('ix_payment_intents_purpose', 'payment_intents', ['purpose_kind', 'purpose_ref'], unique=False)
    op.create_table('penalty_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('violation_code', sa.String(length=30), nullable=False),
    sa.Column('vehicle_class', sa.String(length=10), nullable=False),
    sa.Column('detected_by', sa.String(length=10), nullable=False),
    sa.Column('occurred_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.Column('plate', sa.String(length=12), nullable=True),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('driver_citizen_id', sa.Integer(), nullable=True),
    sa.Column('licence_id', sa.Integer(), nullable=True),
    sa.Column('liable_citizen_id', sa.Integer(), nullable=False),
    sa.Column('mitigating', sa.JSON(), nullable=False),
    sa.Column('aggravating', sa.JSON(), nullable=False),
    sa.Column('fine_amount', sa.BigInteger(), nullable=False),
    sa.Column('points_deducted', sa.Integer(), nullable=False),
    sa.Column('suspension_months', sa.Integer(), nullable=False),
    sa.Column('suspension_starts_on', sa.Date(), nullable=True),
    sa.Column('suspension_ends_on', sa.Date(), nullable=True),
    sa.Column('decided_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('payment_deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('paid_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('paid_amount', sa.BigInteger(), nullable=True),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("(status = 'paid') = (paid_amount IS NOT NULL)", name=op.f('ck_penalty_decisions_paid_amount')),
    sa.CheckConstraint("detected_by IN ('officer', 'camera')", name=op.f('ck_penalty_decisions_detected_by')),
    sa.CheckConstraint("status IN ('unpaid', 'paid', 'cancelled')", name=op.f('ck_penalty_decisions_status')),
    sa.CheckConstraint('fine_amount > 0', name=op.f('ck_penalty_decisions_fine_amount')),
    sa.CheckConstraint('points_deducted BETWEEN 0 AND 12', name=op.f('ck_penalty_decisions_points_deducted')),
    sa.CheckConstraint('suspension_months BETWEEN 0 AND 24', name=op.f('ck_penalty_decisions_suspension_months')),
    sa.ForeignKeyConstraint(['driver_citizen_id'], ['citizens.id'], name=op.f('fk_penalty_decisions_driver_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['liable_citizen_id'], ['citizens.id'], name=op.f('fk_penalty_decisions_liable_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['licence_id'], ['driving_licences.id'], name=op.f('fk_penalty_decisions_licence_id_driving_licences')),
    sa.ForeignKeyConstraint(['recorded_by_account_id'], ['accounts.id'], name=op.f('fk_penalty_decisions_recorded_by_account_id_accounts')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_penalty_decisions_vehicle_id_vehicles')),
    sa.ForeignKeyConstraint(['ward_code'], ['administrative_units.code'], name=op.f('fk_penalty_decisions_ward_code_administrative_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_penalty_decisions')),
    sa.UniqueConstraint('number', name=op.f('uq_penalty_decisions_number'))
    )
    op.create_index(op.f('ix_penalty_decisions_driver_citizen_id'), 'penalty_decisions', ['driver_citizen_id'], unique=False)
    op.create_index(op.f('ix_penalty_decisions_liable_citizen_id'), 'penalty_decisions', ['liable_citizen_id'], unique=False)
    op.create_index(op.f('ix_penalty_decisions_licence_id'), 'penalty_decisions', ['licence_id'], unique=False)
    op.create_index(op.f('ix_penalty_decisions_plate'), 'penalty_decisions', ['plate'], unique=False)
    op.create_index(op.f('ix_penalty_decisions_vehicle_id'), 'penalty_decisions', ['vehicle_id'], unique=False)
    op.create_index(op.f('ix_penalty_decisions_ward_code'), 'penalty_decisions', ['ward_code'], unique=False)
    op.create_table('payment_postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_number', sa.String(length=24), nullable=False),
    sa.Column('intent_id', sa.Integer(), nullable=False),
    sa.Column('gateway_transaction_id', sa.String(length=64), nullable=False),
    sa.Column('purpose_kind', sa.String(length=20), nullable=False),
    sa.Column('purpose_ref', sa.String(length=40), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('posted_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('receipt_document_id', sa.String(length=36), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_postings_amount')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_payment_postings_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['intent_id'], ['payment_intents.id'], name=op.f('fk_payment_postings_intent_id_payment_intents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_postings')),
    sa.UniqueConstraint('gateway_transaction_id', name=op.f('uq_payment_postings_gateway_transaction_id')),
    sa.UniqueConstraint('intent_id', name=op.f('uq_payment_postings_intent_id')),
    sa.UniqueConstraint('purpose_kind', 'purpose_ref', name='uq_payment_postings_purpose'),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_payment_postings_receipt_number'))
    )
    op.create_index(op.f('ix_payment_postings_citizen_id'), 'payment_postings', ['citizen_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_payment_postings_citizen_id'), table_name='payment_postings')
    op.drop_table('payment_postings')
    op.drop_index(op.f('ix_penalty_decisions_ward_code'), table_name='penalty_decisions')
    op.drop_index(op.f('ix_penalty_decisions_vehicle_id'), table_name='penalty_decisions')
    op.drop_index(op.f('ix_penalty_decisions_plate'), table_name='penalty_decisions')
    op.drop_index(op.f('ix_penalty_decisions_licence_id'), table_name='penalty_decisions')
    op.drop_index(op.f('ix_penalty_decisions_liable_citizen_id'), table_name='penalty_decisions')
    op.drop_index(op.f('ix_penalty_decisions_driver_citizen_id'), table_name='penalty_decisions')
    op.drop_table('penalty_decisions')
    op.drop_index('ix_payment_intents_purpose', table_name='payment_intents')
    op.drop_index(op.f('ix_payment_intents_citizen_id'), table_name='payment_intents')
    op.drop_index(op.f('ix_payment_intents_account_id'), table_name='payment_intents')
    op.drop_table('payment_intents')
    op.drop_index(op.f('ix_conviction_records_citizen_id'), table_name='conviction_records')
    op.drop_table('conviction_records')
    op.drop_index(op.f('ix_certificate_requests_subject_citizen_id'), table_name='certificate_requests')
    op.drop_index('ix_certificate_requests_status_due', table_name='certificate_requests')
    op.drop_index(op.f('ix_certificate_requests_requester_account_id'), table_name='certificate_requests')
    op.drop_table('certificate_requests')
    op.drop_index(op.f('ix_payment_callback_nonces_received_at'), table_name='payment_callback_nonces')
    op.drop_table('payment_callback_nonces')
