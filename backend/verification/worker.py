"""Running jobs: plan a queued job into chunks, claim and verify chunks, finish the job.

Every step claims its work with one UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)
RETURNING, so any number of workers - the embedded thread, `flask verify-worker` processes on other
machines - can share the queue on PostgreSQL without handing one chunk to two of them. On SQLite the
same statement is a single write (FOR UPDATE is not rendered there) and the database lock does it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from backend.core import clock
from backend.errors import DomainError
from backend.extensions import db
from backend.verification import bulk, spool
from backend.verification.limits import Caps
from backend.verification.models import Agency, VerificationChunk, VerificationJob
from backend.verification.processing import ChunkWork, verify_chunk, verify_in_process, warm_up_process
from backend.verification.records import HeaderError, map_header

log = logging.getLogger(__name__)
TOP_PROBLEMS = 10
MALFORMED_LINES_KEPT = 1000


@dataclass(frozen=True)
class Settings:
    spool_root: str
    chunk_rows: int
    max_upload_bytes: int
    mode: str  # thread | inline | off
    lease_seconds: int
    json_max_records: int
    processes: int  # verifying processes of the embedded worker; 0: verify in the worker threads themselves
    threads: int  # claiming/verifying threads of the embedded worker
    database_url: str
    caps: Caps = Caps()


def settings(app: Flask) -> Settings:
    config = app.config
    return Settings(
        spool_root=config.get("VERIFICATION_SPOOL_DIR") or os.path.join(app.instance_path, "verification"),
        chunk_rows=int(config.get("VERIFICATION_CHUNK_ROWS", 50_000)),
        max_upload_bytes=int(config.get("VERIFICATION_MAX_UPLOAD_BYTES", 512 * 1024 * 1024)),
        # Tests run jobs inline in the request; a served app runs them on its embedded thread.
        mode=config.get("VERIFICATION_WORKER") or ("inline" if app.testing else "thread"),
        lease_seconds=int(config.get("VERIFICATION_LEASE_SECONDS", 600)),
        json_max_records=int(config.get("VERIFICATION_JSON_MAX_RECORDS", 5_000)),
        # One verifying process per core (at most 4) when there are two or more cores, so a chunk's
        # Python work (parse, normalise, compare) runs outside the GIL of the app process: see
        # docs/verification-scaling.md ("Processes on two or more cores"). 0: verify in the threads.
        processes=int(config.get("VERIFICATION_PROCESSES", default_processes())),
        # One per core: a thread's registry look-ups and audit writes run in the database driver with
        # the GIL released, so a second thread's Python work overlaps them.
        threads=int(config.get("VERIFICATION_THREADS", min(os.cpu_count() or 1, 4))),
        database_url=config["DATABASE_URL"],
        caps=Caps.from_config(config),
    )


def default_processes() -> int:
    cores = os.cpu_count() or 1
    return min(cores, 4) if cores >= 2 else 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100_000}"[:64]


# -- quota ---------------------------------------------------------------------------------------
def lock_agency(session: Session, agency_id: int) -> None:
    """Serialise quota decisions of one agency: a row lock on PostgreSQL, the write lock on SQLite
    (a write first, so SQLite never has to upgrade a read transaction)."""
    session.execute(sa.update(Agency).where(Agency.id == agency_id).values(daily_quota=Agency.daily_quota))


def rows_used_today(session: Session, agency_id: int, *, excluding_job: int | None = None) -> int:
    query = sa.select(sa.func.coalesce(sa.func.sum(VerificationJob.total_rows), 0)).where(
        VerificationJob.agency_id == agency_id,
        VerificationJob.quota_day == clock.today(),
        VerificationJob.status.in_(("running", "done")),
    )
    if excluding_job is not None:
        query = query.where(VerificationJob.id != excluding_job)
    return session.execute(query).scalar_one()


# -- claiming ------------------------------------------------------------------------------------
def _claim_job(session: Session, only_job: int | None = None) -> int | None:
    queued = sa.select(VerificationJob.id).where(VerificationJob.status == "queued")
    if only_job is not None:
        queued = queued.where(VerificationJob.id == only_job)
    queued = queued.order_by(VerificationJob.id).limit(1).with_for_update(skip_locked=True).scalar_subquery()
    job_id = session.execute(
        sa.update(VerificationJob)
        .where(VerificationJob.id == queued)
        .values(status="running", started_at=clock.now())
        .returning(VerificationJob.id)
    ).scalar()
    session.commit()
    return job_id


def _claim_chunk(session: Session, worker: str, only_job: int | None = None) -> int | None:
    pending = (
        sa.select(VerificationChunk.id)
        .join(VerificationJob, VerificationJob.id == VerificationChunk.job_id)
        .where(VerificationChunk.status == "pending", VerificationJob.status == "running")
    )
    if only_job is not None:
        pending = pending.where(VerificationChunk.job_id == only_job)
    pending = (
        pending.order_by(VerificationChunk.job_id, VerificationChunk.seq)
        .limit(1)
        .with_for_update(skip_locked=True, of=VerificationChunk)
        .scalar_subquery()
    )
    chunk_id = session.execute(
        sa.update(VerificationChunk)
        .where(VerificationChunk.id == pending)
        .values(status="running", claimed_by=worker, claimed_at=clock.now())
        .returning(VerificationChunk.id)
    ).scalar()
    session.commit()
    return chunk_id


def reclaim_stale(session: Session, lease_seconds: int) -> int:
    """Chunks whose worker died (claimed longer ago than the lease) go back to the queue."""
    cutoff = clock.now() - timedelta(seconds=lease_seconds)
    stale = session.execute(
        sa.select(
            sa.exists(
                sa.select(VerificationChunk.id).where(
                    VerificationChunk.status == "running", VerificationChunk.claimed_at < cutoff
                )
            )
            | sa.exists(
                sa.select(VerificationJob.id).where(
                    VerificationJob.status == "running",
                    VerificationJob.total_rows.is_(None),
                    VerificationJob.started_at < cutoff,
                )
            )
        )
    ).scalar()
    session.rollback()  # read first: an idle worker must not take SQLite's write lock every poll
    if not stale:
        return 0
    result = session.execute(
        sa.update(VerificationChunk)
        .where(VerificationChunk.status == "running", VerificationChunk.claimed_at < cutoff)
        .values(status="pending", claimed_by=None, claimed_at=None)
    )
    # A job whose planner died: running, never planned (no total), started before the lease.
    session.execute(
        sa.update(VerificationJob)
        .where(
            VerificationJob.status == "running",
            VerificationJob.total_rows.is_(None),
            VerificationJob.started_at < cutoff,
        )
        .values(status="queued")
    )
    session.commit()
    return result.rowcount or 0


# -- planning ------------------------------------------------------------------------------------
def plan_job(session: Session, job_id: int, config: Settings) -> None:
    job = session.get(VerificationJob, job_id)
    source_format, agency_id = job.source_format, job.agency_id
    # No transaction while the file is read: on SQLite every transaction holds the write lock (BEGIN
    # IMMEDIATE), and a big workbook once kept every other writer out for minutes.
    session.rollback()
    path = spool.rows_path(config.spool_root, job_id, source_format)
    try:
        if source_format == "xlsx":
            # Served: in a child process, so the parsing shares neither memory nor the GIL with requests.
            spool.convert_xlsx(
                spool.job_dir(config.spool_root, job_id) / "source.xlsx",
                path,
                config.caps,
                isolated=config.mode != "inline",
            )
        plan = spool.plan(path, chunk_rows=config.chunk_rows, caps=config.caps)
        map_header(plan.header)
    except (HeaderError, DomainError) as exc:
        return _fail(session, job_id, getattr(exc, "detail", None) or str(exc))
    except Exception as exc:
        log.warning("verification job %s: cannot read the upload: %s", job_id, exc)
        return _fail(
            session,
            job_id,
            "Không đọc được tệp dưới dạng CSV (UTF-8) hay XLSX. / The file could not be read as CSV (UTF-8) or XLSX.",
        )
    lock_agency(session, agency_id)
    job = session.get(VerificationJob, job_id)
    agency = session.get(Agency, agency_id)
    used = rows_used_today(session, agency.id, excluding_job=job.id)
    total = plan.total_rows
    job.columns, job.total_rows, job.quota_day = plan.header, total, clock.today()
    if used + total > agency.daily_quota:
        job.status = "rejected"
        job.finished_at = clock.now()
        job.error = (
            f"The file has {total} rows but only {max(agency.daily_quota - used, 0)} of today's quota "
            f"of {agency.daily_quota} are left."
        )
        job.total_rows = None
        session.commit()
        return None
    offset = -1 if job.source_format == "json" else 0  # JSON rows are numbered from 1, not by line
    session.add_all(
        [
            VerificationChunk(
                job_id=job.id,
                seq=i,
                start_offset=c.start,
                end_offset=c.end,
                first_line=c.first_line + offset,
                row_count=c.rows,
            )
            for i, c in enumerate(plan.chunks, start=1)
        ]
    )
    if not plan.chunks:
        _finish(session, job)
    session.commit()
    return None


def _fail(session: Session, job_id: int, reason: str) -> None:
    session.rollback()
    job = session.get(VerificationJob, job_id)
    job.status, job.error, job.finished_at = "failed", reason[:500], clock.now()
    session.commit()


# -- verifying -----------------------------------------------------------------------------------
def process_chunk(session: Session, chunk_id: int, config: Settings, pool=None) -> None:
    chunk = session.get(VerificationChunk, chunk_id)
    job = session.get(VerificationJob, chunk.job_id)
    work = ChunkWork(
        job_id=job.id,
        seq=chunk.seq,
        start=chunk.start_offset,
        end=chunk.end_offset,
        first_line=chunk.first_line,
        rows_path=spool.rows_path(config.spool_root, job.id, job.source_format),
        spool_root=config.spool_root,
        columns=map_header(job.columns),
    )
    actor = {
        "account_id": job.account_id,
        "role": "agency",
        "label": job.actor_label[:120],
        "record_ref": f"verification-job:{job.id}",
        "purpose": job.purpose,
        "client_kind": "address",
        "client_id": job.client_id,
        "request_id": job.request_id,
    }
    part = None
    try:
        started = time.perf_counter()
        if pool is not None:
            session.rollback()  # no snapshot held while a pool process works
            result = pool.verify(config.database_url, work)
        elif config.mode == "inline":
            # Inline (tests, and nothing else): the registry rows may be uncommitted in this session.
            part = spool.PartWriter(config.spool_root, job.id, chunk.seq)
            connection = session.connection()
            result = verify_chunk(connection.dialect.name, bulk.raw_connection(connection), work, part)
            session.rollback()  # end the read snapshot: the writes below start a fresh (write) transaction
        else:
            # Look-ups go through an autocommit connection of their own: on SQLite every session
            # transaction begins IMMEDIATE, and holding the write lock for the whole chunk would
            # serialise the worker threads (and block other writers) while this one only reads.
            session.rollback()
            part = spool.PartWriter(config.spool_root, job.id, chunk.seq)
            with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as reader:
                result = verify_chunk(reader.dialect.name, bulk.raw_connection(reader), work, part)
        verified = time.perf_counter()
        bulk.write_audit(session.connection(), result.audited_citizen_ids, occurred_at=clock.now(), actor=actor)
        audited = time.perf_counter()
        session.execute(
            sa.update(VerificationJob)
            .where(VerificationJob.id == work.job_id)
            .values(rows_done=VerificationJob.rows_done + result.rows)
        )
        chunk = session.get(VerificationChunk, chunk_id)
        chunk.status, chunk.finished_at = "done", clock.now()
        chunk.counts = dict(result.tally.counts, blank=result.tally.blank)
        chunk.problems, chunk.malformed = result.tally.problems, result.tally.malformed
        session.flush()
        remaining = session.execute(
            sa.select(sa.func.count()).where(
                VerificationChunk.job_id == work.job_id, VerificationChunk.status != "done"
            )
        ).scalar_one()
        if remaining == 0:
            _finish(session, session.get(VerificationJob, work.job_id))
        if part is not None:
            part.commit()
        session.commit()
        log.debug(
            "chunk %s of job %s: %d rows, verify %.2f s, audit %.2f s, commit %.2f s",
            work.seq,
            work.job_id,
            result.rows,
            verified - started,
            audited - verified,
            time.perf_counter() - audited,
        )
    except Exception:
        if part is not None:
            part.discard()
        session.rollback()
        raise


def _finish(session: Session, job: VerificationJob) -> None:
    """The last chunk is in (the job row is locked by our rows_done update): sum up the chunks."""
    counts: dict[str, int] = {}
    problems: dict[str, int] = {}
    malformed: list[list] = []
    for chunk_counts, chunk_problems, chunk_malformed in session.execute(
        sa.select(VerificationChunk.counts, VerificationChunk.problems, VerificationChunk.malformed)
        .where(VerificationChunk.job_id == job.id)
        .order_by(VerificationChunk.seq)
    ):
        for key, value in (chunk_counts or {}).items():
            counts[key] = counts.get(key, 0) + value
        for key, value in (chunk_problems or {}).items():
            problems[key] = problems.get(key, 0) + value
        if len(malformed) < MALFORMED_LINES_KEPT:
            malformed.extend(chunk_malformed or [])
    session.refresh(job)
    now = clock.now()
    blank = counts.pop("blank", 0)
    top = sorted(problems.items(), key=lambda item: (-item[1], item[0]))[:TOP_PROBLEMS]
    job.summary = {
        "counts": counts,
        "blank_rows": blank,
        "top_problems": [{"problem": p, "rows": n} for p, n in top],
        "malformed_rows": counts.get("malformed", 0),
        "malformed_lines": [{"line": line, "reason": reason} for line, reason in malformed[:MALFORMED_LINES_KEPT]],
    }
    job.status, job.finished_at = "done", now


# -- the loop ------------------------------------------------------------------------------------
def _has_work(session: Session, only_job: int | None) -> bool:
    """A read before the claiming writes, so an idle poll never takes SQLite's write lock."""
    jobs = sa.select(VerificationJob.id).where(VerificationJob.status == "queued")
    chunks = sa.select(VerificationChunk.id).where(VerificationChunk.status == "pending")
    if only_job is not None:
        jobs = jobs.where(VerificationJob.id == only_job)
        chunks = chunks.where(VerificationChunk.job_id == only_job)
    found = session.execute(sa.select(sa.exists(jobs.limit(1)) | sa.exists(chunks.limit(1)))).scalar()
    session.rollback()
    return bool(found)


def run_once(session: Session, config: Settings, worker: str, only_job: int | None = None, pool=None) -> bool:
    """Do one unit of work (plan a job or verify a chunk). False when there is nothing to do."""
    if not _has_work(session, only_job):
        return False
    job_id = _claim_job(session, only_job)
    if job_id is not None:
        if pool is not None:
            pool.warm_up(config.database_url)  # the processes start while the file is planned
        plan_job(session, job_id, config)
        return True
    chunk_id = _claim_chunk(session, worker, only_job)
    if chunk_id is None:
        return False
    try:
        process_chunk(session, chunk_id, config, pool)
    except Exception as exc:
        log.exception("verification chunk %s failed", chunk_id)
        chunk = session.get(VerificationChunk, chunk_id)
        _fail(session, chunk.job_id, f"Verification stopped on an internal error ({type(exc).__name__}).")
    return True


def run_until_idle(
    session: Session, config: Settings, *, only_job: int | None = None, on_progress=None, pool=None
) -> None:
    worker = worker_name()
    reclaim_stale(session, config.lease_seconds)
    while run_once(session, config, worker, only_job, pool):
        if on_progress:
            on_progress()


class VerifierPool:
    """The verifying processes of an app process (VERIFICATION_PROCESSES). Spawned, not forked: the
    app process has threads (and maybe open connections) of its own. `warm_up` starts them all and
    opens their connections ahead of the first chunk; a failure there is only logged (the chunk's
    own call opens the connection again and reports it)."""

    def __init__(self, processes: int):
        self.size = processes
        self._lock = threading.Lock()
        self._warmed = False
        self._executor: ProcessPoolExecutor | None = None  # made on first use: an app process that never
        # verifies a chunk starts no helper process at all

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(self.size, mp_context=multiprocessing.get_context("spawn"))
            return self._executor

    def warm_up(self, database_url: str) -> None:
        with self._lock:
            if self._warmed:
                return
            self._warmed = True
        executor = self._current()
        # One task each: a task submitted while no process is idle spawns the next (up to `size`).
        for _ in range(self.size):
            executor.submit(warm_up_process, bulk.connection_target(database_url)).add_done_callback(
                _log_warm_up_failure
            )

    def verify(self, database_url: str, work: ChunkWork):
        """The chunk verified in one of the processes. If a process died (killed, out of memory), the
        pool is broken for good: it is replaced once and the chunk verified again (its part file is
        rewritten; nothing of it was committed, since the caller commits only after this returns)."""
        executor = self._current()
        try:
            return executor.submit(verify_in_process, bulk.connection_target(database_url), work).result()
        except BrokenProcessPool:
            log.warning("a verification process died; starting new ones (chunk %s of job %s)", work.seq, work.job_id)
            with self._lock:
                if self._executor is executor:
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = None
            return self._current().submit(verify_in_process, bulk.connection_target(database_url), work).result()

    def pids(self) -> list[int]:
        """The processes' ids (the bench reads their memory; tests kill one)."""
        executor = self._executor
        return list(executor._processes or {}) if executor is not None else []

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown()


def _log_warm_up_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("verification process warm-up failed: %s", future.exception())


def claiming_threads(config: Settings) -> int:
    """With a pool, one claiming thread more than processes: a thread writes its chunk's audit rows
    and commits after its process is done (~0.3 s, longer while another thread holds SQLite's write
    lock), and meanwhile the extra thread's chunk, queued in the pool, keeps that process busy. With
    as many threads as processes the processes sat without a chunk 23 % of a million-row job (15 of
    65 process-seconds; 4 of 48 with the extra thread, 2 Dec, load 5). Each thread holds at most one
    chunk, so memory stays flat."""
    if config.processes > 0:
        return max(config.processes + 1, config.threads)
    return max(config.threads, 1)


class EmbeddedWorker:
    """The default deployment's worker: per app process, VERIFICATION_THREADS claiming threads (default
    one per core, at most 4; with a pool at least one more than its processes: `claiming_threads`)
    that hand each chunk to a pool of VERIFICATION_PROCESSES verifying
    processes (default one per core on two or more cores) and write its audit rows, or verify it
    themselves when that is 0. Threads wake when a job is queued and poll now and then for jobs
    queued by other processes."""

    def __init__(self, app: Flask, poll_seconds: float = 5.0):
        self.app = app
        self.poll_seconds = poll_seconds
        self.wake_event = threading.Event()
        config = settings(app)
        self.pool = VerifierPool(config.processes) if config.processes > 0 else None
        self.threads = [
            threading.Thread(target=self._run, name=f"verification-worker-{i}", daemon=True)
            for i in range(claiming_threads(config))
        ]
        for thread in self.threads:
            thread.start()

    def wake(self) -> None:
        self.wake_event.set()

    def _run(self) -> None:
        config = settings(self.app)
        while True:
            try:
                with self.app.app_context():
                    session = db.new_session(self.app)
                    try:
                        run_until_idle(session, config, pool=self.pool, on_progress=self.wake_event.set)
                    finally:
                        session.close()
            except Exception:
                log.exception("verification worker loop failed; retrying")
            if self.wake_event.wait(self.poll_seconds):
                self.wake_event.clear()


_worker_lock = threading.Lock()


def ensure_started(app: Flask) -> EmbeddedWorker | None:
    """Start the app's embedded worker thread (mode "thread") if it is not running yet."""
    if settings(app).mode != "thread":
        return None
    app = app._get_current_object() if hasattr(app, "_get_current_object") else app  # the thread outlives the proxy
    with _worker_lock:
        worker = app.extensions.get("congdan.verification_worker")
        if worker is None:
            worker = app.extensions["congdan.verification_worker"] = EmbeddedWorker(app)
    return worker


def wake(app: Flask, session: Session | None = None) -> None:
    """A job was queued: run it (mode "inline", tests: now, in this request) or wake the thread."""
    config = settings(app)
    if config.mode == "inline" and session is not None:
        run_until_idle(session, config)
    elif (worker := ensure_started(app)) is not None:
        worker.wake()
