"""health: hospitals, departments, check-ins, queue tickets, consent receipts, kiosks

Revision ID: 0002_health
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = '0002_health'
down_revision = '0001'
branch_labels = ('health',)
depends_on = None


def upgrade() -> None:
    op.create_table('hospital_queue_counters',
    sa.Column('hospital_code', sa.String(length=20), nullable=False),
    sa.Column('department_code', sa.String(length=20), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('hospital_code', 'department_code', 'service_date', name=op.f('pk_hospital_queue_counters'))
    )
    op.create_table('hospitals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('name_en', sa.String(length=150), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('facility_code', sa.String(length=10), nullable=False),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UtcDateTime(), nullable=False),
    sa.CheckConstraint("level IN ('central', 'provincial', 'district')", name=op.f('ck_hospitals_level')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospitals')),
    sa.UniqueConstraint('code', name=op.f('uq_hospitals_code')),
    sa.UniqueConstraint('facility_code', name=op.f('uq_hospitals_facility_code'))
    )
    op.create_table('hospital_departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('opens_at', sa.Time(), nullable=False),
    sa.Column('closes_at', sa.Time(), nullable=False),
    sa.Column('open_weekdays', sa.String(length=7), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_hospital_departments_hospital_id_hospitals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_departments')),
    sa.UniqueConstraint('hospital_id', 'code', name='uq_hospital_departments_hospital_code')
    )
    op.create_table('consent_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('recipient_code', sa.String(length=20), nullable=False),
    sa.Column('recipient_name', sa.String(length=150), nullable=False),
    sa.Column('data_categories', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('collected_via', sa.String(length=64), nullable=False),
    sa.Column('granted_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('valid_until', backend.database.UtcDateTime(), nullable=False),
    sa.Column('revoked_at', backend.database.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_consent_receipts_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_receipts')),
    sa.UniqueConstraint('public_id', name=op.f('uq_consent_receipts_public_id'))
    )
    with op.batch_alter_table('consent_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_receipts_citizen_id'), ['citizen_id'], unique=False)

    op.create_table('hospital_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('kiosk_account_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('proof_ref', sa.String(length=64), nullable=True),
    sa.Column('identified_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('expires_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('visit_type', sa.String(length=12), nullable=False),
    sa.Column('referral', sa.Boolean(), nullable=False),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('insurance_card_id', sa.Integer(), nullable=True),
    sa.Column('insurance_status', sa.String(length=16), nullable=False),
    sa.Column('in_route', sa.Boolean(), nullable=False),
    sa.Column('coverage_percent', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_hospital_checkins_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['consent_id'], ['consent_receipts.id'], name=op.f('fk_hospital_checkins_consent_id_consent_receipts')),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_hospital_checkins_hospital_id_hospitals')),
    sa.ForeignKeyConstraint(['insurance_card_id'], ['health_insurance_cards.id'], name=op.f('fk_hospital_checkins_insurance_card_id_health_insurance_cards')),
    sa.ForeignKeyConstraint(['kiosk_account_id'], ['accounts.id'], name=op.f('fk_hospital_checkins_kiosk_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_checkins')),
    sa.UniqueConstraint('proof_ref', name=op.f('uq_hospital_checkins_proof_ref')),
    sa.UniqueConstraint('public_id', name=op.f('uq_hospital_checkins_public_id'))
    )
    with op.batch_alter_table('hospital_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hospital_checkins_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hospital_checkins_hospital_id'), ['hospital_id'], unique=False)

    op.create_table('hospital_kiosks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('provisional_block', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_hospital_kiosks_account_id_accounts')),
    sa.ForeignKeyConstraint(['created_by'], ['accounts.id'], name=op.f('fk_hospital_kiosks_created_by_accounts')),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_hospital_kiosks_hospital_id_hospitals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_kiosks')),
    sa.UniqueConstraint('account_id', name=op.f('uq_hospital_kiosks_account_id')),
    sa.UniqueConstraint('hospital_id', 'provisional_block', name='uq_hospital_kiosks_hospital_block')
    )
    op.create_table('hospital_queue_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('issued_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('called_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('called_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'called', 'done')", name=op.f('ck_hospital_queue_tickets_status')),
    sa.ForeignKeyConstraint(['called_by'], ['accounts.id'], name=op.f('fk_hospital_queue_tickets_called_by_accounts')),
    sa.ForeignKeyConstraint(['checkin_id'], ['hospital_checkins.id'], name=op.f('fk_hospital_queue_tickets_checkin_id_hospital_checkins')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_hospital_queue_tickets_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['department_id'], ['hospital_departments.id'], name=op.f('fk_hospital_queue_tickets_department_id_hospital_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital_queue_tickets')),
    sa.UniqueConstraint('department_id', 'service_date', 'number', name='uq_hospital_queue_tickets_number'),
    sa.UniqueConstraint('public_id', name=op.f('uq_hospital_queue_tickets_public_id'))
    )
    with op.batch_alter_table('hospital_queue_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hospital_queue_tickets_checkin_id'), ['checkin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hospital_queue_tickets_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index('ix_hospital_queue_tickets_queue', ['department_id', 'service_date', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hospital_queue_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_hospital_queue_tickets_queue')
        batch_op.drop_index(batch_op.f('ix_hospital_queue_tickets_citizen_id'))
        batch_op.drop_index(batch_op.f('ix_hospital_queue_tickets_checkin_id'))

    op.drop_table('hospital_queue_tickets')
    op.drop_table('hospital_kiosks')
    with op.batch_alter_table('hospital_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hospital_checkins_hospital_id'))
        batch_op.drop_index(batch_op.f('ix_hospital_checkins_citizen_id'))

    op.drop_table('hospital_checkins')
    with op.batch_alter_table('consent_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_receipts_citizen_id'))

    op.drop_table('consent_receipts')
    op.drop_table('hospital_departments')
    op.drop_table('hospitals')
    op.drop_table('hospital_queue_counters')
