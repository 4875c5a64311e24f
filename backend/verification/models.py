"""Agencies, their verification jobs and the chunks a job is cut into.

A job's rows live in a spool file (CSV; XLSX is converted on planning). The job is planned into
chunks of byte ranges of that file: a chunk is the unit a worker claims, processes and commits, so
several workers (threads here, processes on other machines against PostgreSQL) can share one job.
Per-row results are not stored in the database: each chunk writes a part file next to the spool,
and the results download concatenates the parts in order.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.timestamps import TimestampMixin
from backend.database import Base

JOB_STATUSES = ("receiving", "queued", "running", "done", "failed", "rejected")
CHUNK_STATUSES = ("pending", "running", "done")
OUTCOMES = ("match", "mismatch", "invalid_id", "not_found", "deceased", "malformed")


class Agency(Base, TimestampMixin):
    """Cơ quan: an agency allowed to verify its records, with a daily quota of rows set by an admin."""

    __tablename__ = "verification_agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    daily_quota: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    # The administrator who last set the name, quota or status (None: set up by the demo seeder or a migration).
    changed_by_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))

    __table_args__ = (sa.CheckConstraint("daily_quota >= 0", name="daily_quota"),)


class VerificationJob(Base, TimestampMixin):
    __tablename__ = "verification_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("verification_agencies.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    actor_label: Mapped[str] = mapped_column(sa.String(120))
    purpose: Mapped[str] = mapped_column(sa.String(200))
    source_format: Mapped[str] = mapped_column(sa.String(5))  # csv | xlsx | json
    original_filename: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(10), default="receiving")
    # Quota is counted per calendar day in Vietnam (UTC+7), the day the job was planned.
    quota_day: Mapped[date | None]
    total_rows: Mapped[int | None]
    rows_done: Mapped[int] = mapped_column(default=0)
    columns: Mapped[list | None] = mapped_column(sa.JSON)  # the file's header, echoed in the results
    summary: Mapped[dict | None] = mapped_column(sa.JSON)  # counts by outcome, top problems, malformed lines
    error: Mapped[str | None] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(64))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        sa.CheckConstraint("status IN ('receiving', 'queued', 'running', 'done', 'failed', 'rejected')", name="status"),
        sa.CheckConstraint("source_format IN ('csv', 'xlsx', 'json')", name="source_format"),
        sa.Index("ix_verification_jobs_agency_day", "agency_id", "quota_day"),
    )


class VerificationChunk(Base):
    """A byte range of a job's spool file; claimed by one worker at a time (FOR UPDATE SKIP LOCKED)."""

    __tablename__ = "verification_chunks"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("verification_jobs.id"))  # indexed by (job_id, seq)
    seq: Mapped[int]
    start_offset: Mapped[int] = mapped_column(sa.BigInteger)
    end_offset: Mapped[int] = mapped_column(sa.BigInteger)
    first_line: Mapped[int]
    row_count: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict | None] = mapped_column(sa.JSON)
    problems: Mapped[dict | None] = mapped_column(sa.JSON)
    malformed: Mapped[list | None] = mapped_column(sa.JSON)  # [[line, reason], ...], capped per chunk

    __table_args__ = (
        sa.UniqueConstraint("job_id", "seq", name="uq_verification_chunks_job_seq"),
        sa.CheckConstraint("status IN ('pending', 'running', 'done')", name="status"),
        sa.Index("ix_verification_chunks_status_job", "status", "job_id", "seq"),
    )
