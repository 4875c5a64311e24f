"""registry, accounts, audit, idempotency keys

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('administrative_units',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=5), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.CheckConstraint("level IN ('province', 'district', 'ward')", name=op.f('ck_administrative_units_level')),
    sa.ForeignKeyConstraint(['parent_code'], ['administrative_units.code'], name=op.f('fk_administrative_units_parent_code_administrative_units')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_administrative_units'))
    )
    with op.batch_alter_table('administrative_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_administrative_units_parent_code'), ['parent_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_administrative_units_province_code'), ['province_code'], unique=False)

    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_number', sa.String(length=20), nullable=False),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.Column('street_address', sa.String(length=200), nullable=False),
    sa.Column('head_citizen_id', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ward_code'], ['administrative_units.code'], name=op.f('fk_households_ward_code_administrative_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('household_number', name=op.f('uq_households_household_number'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_ward_code'), ['ward_code'], unique=False)

    op.create_table('citizens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('personal_id', sa.String(length=12), nullable=False),
    sa.Column('full_name', sa.String(length=100), nullable=False),
    sa.Column('name_folded', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=6), nullable=False),
    sa.Column('old_id_number', sa.String(length=9), nullable=True),
    sa.Column('ethnicity', sa.String(length=30), nullable=False),
    sa.Column('religion', sa.String(length=40), nullable=True),
    sa.Column('nationality', sa.String(length=30), nullable=False),
    sa.Column('place_of_origin', sa.String(length=200), nullable=True),
    sa.Column('permanent_ward_code', sa.String(length=5), nullable=False),
    sa.Column('permanent_street', sa.String(length=200), nullable=False),
    sa.Column('permanent_province_code', sa.String(length=2), nullable=False),
    sa.Column('temporary_ward_code', sa.String(length=5), nullable=True),
    sa.Column('temporary_street', sa.String(length=200), nullable=True),
    sa.Column('temporary_until', sa.Date(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('relation_to_head', sa.String(length=30), nullable=True),
    sa.Column('deceased_on', sa.Date(), nullable=True),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UtcDateTime(), nullable=False),
    sa.CheckConstraint("sex IN ('male', 'female')", name=op.f('ck_citizens_sex')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_citizens_household_id_households')),
    sa.ForeignKeyConstraint(['permanent_ward_code'], ['administrative_units.code'], name=op.f('fk_citizens_permanent_ward_code_administrative_units')),
    sa.ForeignKeyConstraint(['temporary_ward_code'], ['administrative_units.code'], name=op.f('fk_citizens_temporary_ward_code_administrative_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizens')),
    sa.UniqueConstraint('personal_id', name=op.f('uq_citizens_personal_id'))
    )
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizens_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizens_name_folded'), ['name_folded'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizens_permanent_province_code'), ['permanent_province_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizens_permanent_ward_code'), ['permanent_ward_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizens_temporary_ward_code'), ['temporary_ward_code'], unique=False)

    # households.head_citizen_id and citizens.household_id point at each other: add this one afterwards.
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_households_head_citizen_id_citizens', 'citizens', ['head_citizen_id'],
                                    ['id'], deferrable=True, initially='DEFERRED')
        batch_op.create_index(batch_op.f('ix_households_head_citizen_id'), ['head_citizen_id'], unique=False)

    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=15), nullable=True),
    sa.Column('scope_code', sa.String(length=20), nullable=True),
    sa.Column('display_name', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('level_raised_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('level_raised_by', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UtcDateTime(), nullable=False),
    sa.CheckConstraint("role IN ('citizen', 'officer', 'hospital_staff', 'fleet_admin', 'kiosk', 'agency', 'admin')", name=op.f('ck_accounts_role')),
    sa.CheckConstraint('level IN (1, 2)', name=op.f('ck_accounts_level')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_accounts_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['level_raised_by'], ['accounts.id'], name=op.f('fk_accounts_level_raised_by_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('citizen_id', name=op.f('uq_accounts_citizen_id')),
    sa.UniqueConstraint('username', name=op.f('uq_accounts_username'))
    )
    op.create_table('driving_licences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=12), nullable=False),
    sa.Column('licence_class', sa.String(length=4), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('suspended_until', backend.database.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_driving_licences_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_driving_licences')),
    sa.UniqueConstraint('number', name=op.f('uq_driving_licences_number'))
    )
    with op.batch_alter_table('driving_licences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_driving_licences_citizen_id'), ['citizen_id'], unique=False)

    op.create_table('health_insurance_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_number', sa.String(length=15), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('benefit_level', sa.Integer(), nullable=False),
    sa.Column('primary_care_facility_code', sa.String(length=10), nullable=False),
    sa.Column('primary_care_facility_name', sa.String(length=150), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_health_insurance_cards_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_insurance_cards')),
    sa.UniqueConstraint('card_number', name=op.f('uq_health_insurance_cards_card_number'))
    )
    with op.batch_alter_table('health_insurance_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_insurance_cards_citizen_id'), ['citizen_id'], unique=False)

    op.create_table('vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('brand', sa.String(length=40), nullable=False),
    sa.Column('owner_citizen_id', sa.Integer(), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['owner_citizen_id'], ['citizens.id'], name=op.f('fk_vehicles_owner_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicles')),
    sa.UniqueConstraint('plate', name=op.f('uq_vehicles_plate'))
    )
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicles_owner_citizen_id'), ['owner_citizen_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurred_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('subject_citizen_id', sa.Integer(), nullable=False),
    sa.Column('actor_account_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_ref', sa.String(length=64), nullable=True),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('client_kind', sa.String(length=10), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("action IN ('read', 'create', 'update')", name=op.f('ck_audit_events_action')),
    sa.ForeignKeyConstraint(['actor_account_id'], ['accounts.id'], name=op.f('fk_audit_events_actor_account_id_accounts')),
    sa.ForeignKeyConstraint(['subject_citizen_id'], ['citizens.id'], name=op.f('fk_audit_events_subject_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index('ix_audit_events_subject_time', ['subject_citizen_id', 'occurred_at'], unique=False)

    op.create_table('token_families',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('revoked_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=40), nullable=True),
    sa.Column('client', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_token_families_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_token_families'))
    )
    with op.batch_alter_table('token_families', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_families_account_id'), ['account_id'], unique=False)

    op.create_table('refresh_tokens',
    sa.Column('jti', sa.String(length=36), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('issued_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('expires_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('used_at', backend.database.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['family_id'], ['token_families.id'], name=op.f('fk_refresh_tokens_family_id_token_families')),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_refresh_tokens'))
    )
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refresh_tokens_family_id'), ['family_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('operation', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('resource_ref', sa.String(length=32), nullable=False),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_idempotency_keys_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('account_id', 'key', name='uq_idempotency_keys_account_key')
    )
    _install_audit_append_only()


def _install_audit_append_only() -> None:
    """Audit rows are evidence: refuse UPDATE and DELETE at the database, not only in the API."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$""")
        op.execute("""
            CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_head_citizen_id'))
        batch_op.drop_constraint('fk_households_head_citizen_id_citizens', type_='foreignkey')

    op.drop_table('idempotency_keys')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_family_id'))

    op.drop_table('refresh_tokens')
    with op.batch_alter_table('token_families', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_token_families_account_id'))

    op.drop_table('token_families')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_subject_time')
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_at'))

    op.drop_table('audit_events')
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicles_owner_citizen_id'))

    op.drop_table('vehicles')
    with op.batch_alter_table('health_insurance_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_insurance_cards_citizen_id'))

    op.drop_table('health_insurance_cards')
    with op.batch_alter_table('driving_licences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_driving_licences_citizen_id'))

    op.drop_table('driving_licences')
    op.drop_table('accounts')
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizens_temporary_ward_code'))
        batch_op.drop_index(batch_op.f('ix_citizens_permanent_ward_code'))
        batch_op.drop_index(batch_op.f('ix_citizens_permanent_province_code'))
        batch_op.drop_index(batch_op.f('ix_citizens_name_folded'))
        batch_op.drop_index(batch_op.f('ix_citizens_household_id'))

    op.drop_table('citizens')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_ward_code'))

    op.drop_table('households')
    with op.batch_alter_table('administrative_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_administrative_units_province_code'))
        batch_op.drop_index(batch_op.f('ix_administrative_units_parent_code'))

    op.drop_table('administrative_units')
