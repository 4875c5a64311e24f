"""evidence: chip challenges, one-time codes, the registry's phone, check-in trust levels

Revision ID: 0003_evidence
Revises: 0002_health
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = '0003_evidence'
down_revision = '0002_health'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('identification_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('nonce', sa.LargeBinary(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('expires_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('used_at', backend.database.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                            name=op.f('fk_identification_challenges_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identification_challenges')),
    sa.UniqueConstraint('public_id', name=op.f('uq_identification_challenges_public_id'))
    )
    op.create_index(op.f('ix_identification_challenges_expires_at'), 'identification_challenges', ['expires_at'])
    op.create_table('one_time_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('expires_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('used_at', backend.database.UtcDateTime(), nullable=True),
    sa.CheckConstraint("purpose IN ('registration', 'activation')", name=op.f('ck_one_time_codes_purpose')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_one_time_codes_account_id_accounts')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_one_time_codes_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_codes')),
    sa.UniqueConstraint('public_id', name=op.f('uq_one_time_codes_public_id'))
    )
    op.create_index(op.f('ix_one_time_codes_account_id'), 'one_time_codes', ['account_id'])
    op.create_index(op.f('ix_one_time_codes_citizen_id'), 'one_time_codes', ['citizen_id'])
    op.create_index(op.f('ix_one_time_codes_expires_at'), 'one_time_codes', ['expires_at'])
    with op.batch_alter_table('citizens') as batch:
        batch.add_column(sa.Column('phone', sa.String(length=15), nullable=True))
    with op.batch_alter_table('hospital_checkins') as batch:
        # Check-ins made before this revision were taken on the kiosk's word: that is what they are worth.
        batch.add_column(sa.Column('trust_level', sa.String(length=24), nullable=False,
                                   server_default='card_data_presented'))
        batch.add_column(sa.Column('kiosk_claim', sa.String(length=20), nullable=True))
        batch.alter_column('consent_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('hospital_checkins') as batch:
        batch.alter_column('trust_level', server_default=None, existing_type=sa.String(length=24))


def downgrade() -> None:
    with op.batch_alter_table('hospital_checkins') as batch:
        batch.alter_column('consent_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('kiosk_claim')
        batch.drop_column('trust_level')
    with op.batch_alter_table('citizens') as batch:
        batch.drop_column('phone')
    op.drop_index(op.f('ix_one_time_codes_expires_at'), table_name='one_time_codes')
    op.drop_index(op.f('ix_one_time_codes_citizen_id'), table_name='one_time_codes')
    op.drop_index(op.f('ix_one_time_codes_account_id'), table_name='one_time_codes')
    op.drop_table('one_time_codes')
    op.drop_index(op.f('ix_identification_challenges_expires_at'), table_name='identification_challenges')
    op.drop_table('identification_challenges')
