"""verification: agencies with daily quotas, verification jobs and their chunks

Revision ID: 0002_verification
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa
import backend.database


revision = '0002_verification'
down_revision = '0001'
branch_labels = ('verification',)
depends_on = None


def upgrade() -> None:
    op.create_table('verification_agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('daily_quota', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UtcDateTime(), nullable=False),
    sa.CheckConstraint('daily_quota >= 0', name=op.f('ck_verification_agencies_daily_quota')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_agencies')),
    sa.UniqueConstraint('code', name=op.f('uq_verification_agencies_code'))
    )
    op.create_table('verification_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('source_format', sa.String(length=5), nullable=False),
    sa.Column('original_filename', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('quota_day', sa.Date(), nullable=True),
    sa.Column('total_rows', sa.Integer(), nullable=True),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('started_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('finished_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('created_at', backend.database.UtcDateTime(), nullable=False),
    sa.Column('updated_at', backend.database.UtcDateTime(), nullable=False),
    sa.CheckConstraint("source_format IN ('csv', 'xlsx', 'json')", name=op.f('ck_verification_jobs_source_format')),
    sa.CheckConstraint("status IN ('receiving', 'queued', 'running', 'done', 'failed', 'rejected')", name=op.f('ck_verification_jobs_status')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_verification_jobs_account_id_accounts')),
    sa.ForeignKeyConstraint(['agency_id'], ['verification_agencies.id'], name=op.f('fk_verification_jobs_agency_id_verification_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_jobs'))
    )
    op.create_index('ix_verification_jobs_agency_day', 'verification_jobs', ['agency_id', 'quota_day'], unique=False)
    op.create_index(op.f('ix_verification_jobs_agency_id'), 'verification_jobs', ['agency_id'], unique=False)
    op.create_table('verification_chunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('start_offset', sa.BigInteger(), nullable=False),
    sa.Column('end_offset', sa.BigInteger(), nullable=False),
    sa.Column('first_line', sa.Integer(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('finished_at', backend.database.UtcDateTime(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=True),
    sa.Column('malformed', sa.JSON(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'running', 'done')", name=op.f('ck_verification_chunks_status')),
    sa.ForeignKeyConstraint(['job_id'], ['verification_jobs.id'], name=op.f('fk_verification_chunks_job_id_verification_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_chunks')),
    sa.UniqueConstraint('job_id', 'seq', name='uq_verification_chunks_job_seq')
    )
    op.create_index('ix_verification_chunks_status_job', 'verification_chunks', ['status', 'job_id', 'seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_verification_chunks_status_job', table_name='verification_chunks')
    op.drop_table('verification_chunks')
    op.drop_index(op.f('ix_verification_jobs_agency_id'), table_name='verification_jobs')
    op.drop_index('ix_verification_jobs_agency_day', table_name='verification_jobs')
    op.drop_table('verification_jobs')
    op.drop_table('verification_agencies')
