"""residence, signed documents, notifications

Revision ID: 0002_residence
Revises: 0001
Create Date: 2026-11-22 21:08:52.997775
"""

from alembic import op
import sqlalchemy as sa
import backend.database


revision = '0002_residence'
down_revision = '0001'
branch_labels = ('residence',)
depends_on = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('ref', sa.String(length=60), nullable=True),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('read_at', backend.database.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_notifications_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_citizen_id'), ['citizen_id'], unique=False)

    op.create_table('signed_documents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('doc_type', sa.String(length=40), nullable=False),
    sa.Column('holder_citizen_id', sa.Integer(), nullable=False),
    sa.Column('source_ref', sa.String(length=60), nullable=True),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('issued_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('expires_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('revoked_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['holder_citizen_id'], ['citizens.id'], name=op.f('fk_signed_documents_holder_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_documents'))
    )
    with op.batch_alter_table('signed_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_documents_holder_citizen_id'), ['holder_citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signed_documents_pdf_sha256'), ['pdf_sha256'], unique=False)

    op.create_table('accommodation_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_ref', sa.String(length=32), nullable=False),
    sa.Column('notifier_account_id', sa.Integer(), nullable=False),
    sa.Column('establishment_name', sa.String(length=150), nullable=True),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('guest_personal_id', sa.String(length=12), nullable=False),
    sa.Column('guest_name', sa.String(length=100), nullable=False),
    sa.Column('guest_relationship', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('arrival_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('departure_on', sa.Date(), nullable=False),
    sa.Column('deadline_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('submitted_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['notifier_account_id'], ['accounts.id'], name=op.f('fk_accommodation_notices_notifier_account_id_accounts')),
    sa.ForeignKeyConstraint(['ward_code'], ['administrative_units.code'], name=op.f('fk_accommodation_notices_ward_code_administrative_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accommodation_notices'))
    )
    with op.batch_alter_table('accommodation_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accommodation_notices_batch_ref'), ['batch_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_accommodation_notices_notifier_account_id'), ['notifier_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accommodation_notices_province_code'), ['province_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_accommodation_notices_ward_code'), ['ward_code'], unique=False)

    op.create_table('notification_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('sent_at', backend.database.UtcDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_notification_outbox_status')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notification_outbox_notification_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_outbox'))
    )
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_outbox_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_outbox_notification_id'), ['notification_id'], unique=False)

    op.create_table('residence_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('applicant_citizen_id', sa.Integer(), nullable=False),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('street_folded', sa.String(length=200), nullable=False),
    sa.Column('legal_basis', sa.String(length=12), nullable=False),
    sa.Column('owner_citizen_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('submitted_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('owner_consent_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('received_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('decided_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('decided_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UtcDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('registration', 'extension')", name=op.f('ck_residence_applications_kind')),
    sa.CheckConstraint('end_date > start_date', name=op.f('ck_residence_applications_period')),
    sa.ForeignKeyConstraint(['applicant_citizen_id'], ['citizens.id'], name=op.f('fk_residence_applications_applicant_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['decided_by_account_id'], ['accounts.id'], name=op.f('fk_residence_applications_decided_by_account_id_accounts')),
    sa.ForeignKeyConstraint(['owner_citizen_id'], ['citizens.id'], name=op.f('fk_residence_applications_owner_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['ward_code'], ['administrative_units.code'], name=op.f('fk_residence_applications_ward_code_administrative_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residence_applications'))
    )
    with op.batch_alter_table('residence_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_applications_applicant_citizen_id'), ['applicant_citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_applications_owner_citizen_id'), ['owner_citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_applications_province_code'), ['province_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_applications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_applications_ward_code'), ['ward_code'], unique=False)

    op.create_table('residence_application_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('actor_account_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_account_id'], ['accounts.id'], name=op.f('fk_residence_application_events_actor_account_id_accounts')),
    sa.ForeignKeyConstraint(['application_id'], ['residence_applications.id'], name=op.f('fk_residence_application_events_application_id_residence_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residence_application_events'))
    )
    with op.batch_alter_table('residence_application_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_application_events_application_id'), ['application_id'], unique=False)

    op.create_table('residence_application_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['residence_applications.id'], name=op.f('fk_residence_application_members_application_id_residence_applications')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_residence_application_members_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residence_application_members')),
    sa.UniqueConstraint('application_id', 'citizen_id', name='uq_residence_application_members_application_citizen')
    )
    with op.batch_alter_table('residence_application_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_application_members_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_application_members_citizen_id'), ['citizen_id'], unique=False)

    op.create_table('residence_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', backend.database.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['residence_applications.id'], name=op.f('fk_residence_attachments_application_id_residence_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residence_attachments'))
    )
    with op.batch_alter_table('residence_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_attachments_application_id'), ['application_id'], unique=False)

    op.create_table('temporary_residences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('ward_code', sa.String(length=5), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('ended_reason', sa.String(length=40), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', backend.database.UtcDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('active', 'ended')", name=op.f('ck_temporary_residences_status')),
    sa.ForeignKeyConstraint(['application_id'], ['residence_applications.id'], name=op.f('fk_temporary_residences_application_id_residence_applications')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_temporary_residences_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['ward_code'], ['administrative_units.code'], name=op.f('fk_temporary_residences_ward_code_administrative_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_temporary_residences'))
    )
    with op.batch_alter_table('temporary_residences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_temporary_residences_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_temporary_residences_ward_code'), ['ward_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('temporary_residences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_temporary_residences_ward_code'))
        batch_op.drop_index(batch_op.f('ix_temporary_residences_citizen_id'))

    op.drop_table('temporary_residences')
    with op.batch_alter_table('residence_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_attachments_application_id'))

    op.drop_table('residence_attachments')
    with op.batch_alter_table('residence_application_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_application_members_citizen_id'))
        batch_op.drop_index(batch_op.f('ix_residence_application_members_application_id'))

    op.drop_table('residence_application_members')
    with op.batch_alter_table('residence_application_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_application_events_application_id'))

    op.drop_table('residence_application_events')
    with op.batch_alter_table('residence_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_applications_ward_code'))
        batch_op.drop_index(batch_op.f('ix_residence_applications_status'))
        batch_op.drop_index(batch_op.f('ix_residence_applications_province_code'))
        batch_op.drop_index(batch_op.f('ix_residence_applications_owner_citizen_id'))
        batch_op.drop_index(batch_op.f('ix_residence_applications_applicant_citizen_id'))

    op.drop_table('residence_applications')
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_outbox_notification_id'))
        batch_op.drop_index(batch_op.f('ix_notification_outbox_next_attempt_at'))

    op.drop_table('notification_outbox')
    with op.batch_alter_table('accommodation_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accommodation_notices_ward_code'))
        batch_op.drop_index(batch_op.f('ix_accommodation_notices_province_code'))
        batch_op.drop_index(batch_op.f('ix_accommodation_notices_notifier_account_id'))
        batch_op.drop_index(batch_op.f('ix_accommodation_notices_batch_ref'))

    op.drop_table('accommodation_notices')
    with op.batch_alter_table('signed_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_documents_pdf_sha256'))
        batch_op.drop_index(batch_op.f('ix_signed_documents_holder_citizen_id'))

    op.drop_table('signed_documents')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_citizen_id'))

    op.drop_table('notifications')
