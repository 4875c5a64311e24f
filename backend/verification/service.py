"""Bulk verification: agencies and their quotas, creating and following jobs.

The work itself runs in backend/verification/worker.py; here are the decisions a request makes.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import clock
from backend.core.access import AGENCY, Principal
from backend.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from backend.verification import limits, spool
from backend.verification.models import Agency, VerificationChunk, VerificationJob
from backend.verification.worker import Settings, lock_agency, rows_used_today

log = logging.getLogger(__name__)

UPLOAD_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


class QuotaExceeded(DomainError):
    status, code, title = 429, "quota-exceeded", "Daily verification quota used up"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload-too-large", "The file is too large"


# -- agencies ------------------------------------------------------------------------------------
def set_agency(
    *, session: Session, code: str, name: str, daily_quota: int, active: bool, principal: Principal | None = None
) -> Agency:
    """Create or update an agency and its daily quota (administrators; the change records who made it)."""
    agency = session.execute(sa.select(Agency).where(Agency.code == code)).scalar_one_or_none()
    if agency is None:
        agency = Agency(code=code, name=name, daily_quota=daily_quota, active=active)
        session.add(agency)
    else:
        agency.name, agency.daily_quota, agency.active = name, daily_quota, active
    agency.changed_by_account_id = principal.account_id if principal else None
    session.flush()
    log.info(
        "verification agency %s set by account %s: quota %s, active %s",
        code,
        principal.account_id if principal else "seeder",
        daily_quota,
        active,
    )
    return agency


def list_agencies(*, session: Session) -> list[Agency]:
    return list(session.scalars(sa.select(Agency).order_by(Agency.code)))


def usage_today(*, session: Session, agency: Agency) -> int:
    return rows_used_today(session, agency.id)


def agency_of(session: Session, principal: Principal) -> Agency:
    if principal.role != AGENCY or not principal.scope_code:
        raise Forbidden("Only agency accounts verify records.")
    agency = session.execute(sa.select(Agency).where(Agency.code == principal.scope_code)).scalar_one_or_none()
    if agency is None or not agency.active:
        raise Forbidden("Your agency is not registered for verification; ask an administrator to set it up.")
    return agency


def _check_quota_left(session: Session, agency: Agency, more_rows: int = 1) -> None:
    used = rows_used_today(session, agency.id)
    if used + more_rows > agency.daily_quota:
        raise QuotaExceeded(
            f"Today's quota of {agency.daily_quota} rows is used up ({used} used). Try again tomorrow or ask "
            "an administrator to raise it.",
            daily_quota=agency.daily_quota,
            used_today=used,
        )


# -- creating jobs -------------------------------------------------------------------------------
def create_upload_job(
    *,
    session: Session,
    principal: Principal,
    config: Settings,
    purpose: str,
    filename: str | None,
    upload_path: Path,
    client_id: str,
    request_id: str | None,
) -> VerificationJob:
    """Adopt an upload already streamed to a spool file (by the route's stream factory) as a job.

    The file's shape is checked against the caps first, before any database work: a file over a cap
    is refused here, with the cap and its limit, and never reaches the queue."""
    source_format = UPLOAD_FORMATS.get(Path(filename or "").suffix.lower())
    if source_format is None:
        raise ValidationFailed("Upload a .csv or .xlsx file.", errors={"file": ["Upload a .csv or .xlsx file."]})
    limits.check_upload(upload_path, source_format, config.caps)
    agency = agency_of(session, principal)
    lock_agency(session, agency.id)
    _check_quota_left(session, agency)
    job = VerificationJob(
        agency_id=agency.id,
        account_id=principal.account_id,
        actor_label=principal.label,
        purpose=purpose,
        source_format=source_format,
        original_filename=(filename or "")[:200],
        status="queued",
        client_id=client_id[:64],
        request_id=request_id,
    )
    session.add(job)
    session.flush()
    target = spool.job_dir(config.spool_root, job.id) / f"source.{source_format}"
    os.replace(upload_path, target)
    return job


def create_json_job(
    *, session: Session, principal: Principal, config: Settings, purpose: str, client_id: str, request_id: str | None
) -> VerificationJob:
    agency = agency_of(session, principal)
    lock_agency(session, agency.id)
    _check_quota_left(session, agency)
    job = VerificationJob(
        agency_id=agency.id,
        account_id=principal.account_id,
        actor_label=principal.label,
        purpose=purpose,
        source_format="json",
        status="receiving",
        total_rows=0,
        client_id=client_id[:64],
        request_id=request_id,
    )
    session.add(job)
    session.flush()
    spool.start_json_rows(spool.rows_path(config.spool_root, job.id, "json"))
    return job


def append_records(
    *, session: Session, principal: Principal, config: Settings, job_id: int, records: list[dict]
) -> VerificationJob:
    """Add a chunk of JSON records to a job that is still receiving."""
    job = _own_job(session, principal, job_id)
    lock_agency(session, job.agency_id)  # one append per agency at a time: quota and file stay consistent
    session.refresh(job)
    if job.status != "receiving":
        raise Conflict("This job is no longer receiving records.", status_now=job.status)
    agency = session.get(Agency, job.agency_id)
    _check_quota_left(session, agency, (job.total_rows or 0) + len(records))
    spool.append_json_rows(spool.rows_path(config.spool_root, job.id, "json"), records)
    job.total_rows = (job.total_rows or 0) + len(records)
    return job


def submit_json_job(*, session: Session, principal: Principal, job_id: int) -> VerificationJob:
    job = _own_job(session, principal, job_id)
    if job.status != "receiving":
        raise Conflict("This job was already submitted.", status_now=job.status)
    if not job.total_rows:
        raise ValidationFailed("Send at least one chunk of records before submitting.")
    job.status, job.total_rows = "queued", None  # planning counts the rows again and reserves quota
    session.flush()
    return job


# -- following jobs ------------------------------------------------------------------------------
def _own_job(session: Session, principal: Principal, job_id: int) -> VerificationJob:
    if principal.role != AGENCY or not principal.scope_code:
        raise Forbidden("Only agency accounts verify records.")
    job = session.execute(
        sa.select(VerificationJob)
        .join(Agency, Agency.id == VerificationJob.agency_id)
        .where(VerificationJob.id == job_id, Agency.code == principal.scope_code)
    ).scalar_one_or_none()
    if job is None:  # another agency's job does not exist for this one
        raise NotFound("No such verification job.")
    return job


def get_job(*, session: Session, principal: Principal, job_id: int) -> VerificationJob:
    return _own_job(session, principal, job_id)


def list_jobs(
    *, session: Session, principal: Principal, status: str | None, page: int, per_page: int
) -> list[VerificationJob]:
    if principal.role != AGENCY or not principal.scope_code:
        raise Forbidden("Only agency accounts verify records.")
    query = (
        sa.select(VerificationJob)
        .join(Agency, Agency.id == VerificationJob.agency_id)
        .where(Agency.code == principal.scope_code)
    )
    if status:
        query = query.where(VerificationJob.status == status)
    return list(
        session.scalars(query.order_by(VerificationJob.id.desc()).limit(per_page).offset((page - 1) * per_page))
    )


@dataclass(frozen=True)
class ResultsFile:
    job_id: int
    columns: list[str]
    chunk_count: int
    filename: str


def results_file(*, session: Session, principal: Principal, job_id: int) -> ResultsFile:
    job = _own_job(session, principal, job_id)
    if job.status != "done":
        raise Conflict("The results are ready when the job is done.", status_now=job.status)
    chunks = session.execute(sa.select(sa.func.count()).where(VerificationChunk.job_id == job.id)).scalar_one()
    stem = Path(job.original_filename or f"job-{job.id}").stem
    return ResultsFile(
        job_id=job.id, columns=list(job.columns or []), chunk_count=chunks, filename=f"{stem}-verified.csv"
    )


@dataclass(frozen=True)
class JobStatus:
    """A job as its agency polls it (JobSchema): the row, its progress, and where its results are once done
    (the URL is the route's to name)."""

    job: VerificationJob
    results_url: str | None

    @property
    def progress(self) -> dict:
        return progress(self.job)

    def __getattr__(self, name: str):  # id, status, source_format, filename, purpose, times, error, summary
        return getattr(self.job, name)


def progress(job: VerificationJob) -> dict:
    """rows done / total, rate and ETA, from the job row alone (cheap enough to poll)."""
    total, done = job.total_rows if job.status != "receiving" else None, job.rows_done
    rate = eta = None
    if job.started_at and done:
        elapsed = ((job.finished_at or clock.now()) - job.started_at).total_seconds()
        rate = done / elapsed if elapsed > 0 else None
        if rate and total:
            eta = max(total - done, 0) / rate
    percent = round(100 * done / total, 1) if total else (100.0 if job.status == "done" else None)
    return {
        "rows_done": done,
        "total_rows": total,
        "percent": percent,
        "rows_per_second": round(rate, 1) if rate else None,
        "eta_seconds": round(eta, 1) if eta is not None else None,
    }
