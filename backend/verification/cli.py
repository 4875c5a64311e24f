"""`flask --app backend verify-file FILE --agency CODE --purpose ...` (verify a file here, with a progress
bar) and `flask --app backend verify-worker` (a standalone worker for the shared job queue)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import click
from flask import Flask, current_app

from backend.core.access import AGENCY, Principal
from backend.extensions import db
from backend.verification import service, spool, worker
from backend.verification.models import VerificationJob


def _cli_principal(agency_code: str) -> Principal:
    # An operator at the server acts for the agency; audit rows name the CLI, with no account.
    return Principal(
        account_id=None, role=AGENCY, level=2, label=f"cli:{agency_code}", family_id="cli", scope_code=agency_code
    )


def register(app: Flask) -> None:
    @app.cli.command("verify-file")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--agency", "agency_code", required=True, help="The agency's code (set up by an administrator)")
    @click.option("--purpose", required=True, help="Why the records are verified (goes into the audit trail)")
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Results CSV [default: FILE-verified.csv next to FILE]",
    )
    def verify_file(path: Path, agency_code: str, purpose: str, output: Path | None) -> None:
        """Verify a CSV or XLSX file of agency records against the registry."""
        config = worker.settings(current_app)
        if len(purpose.strip()) < 5:
            raise click.BadParameter("say why, in at least 5 characters", param_hint="--purpose")
        incoming = Path(config.spool_root) / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=incoming, prefix="cli-", delete=False) as copy, open(path, "rb") as src:
            shutil.copyfileobj(src, copy, spool.COPY_BLOCK)
        session = db.new_session()
        try:
            job = service.create_upload_job(
                session=session,
                principal=_cli_principal(agency_code),
                config=config,
                purpose=purpose.strip(),
                filename=path.name,
                upload_path=Path(copy.name),
                client_id="cli",
                request_id=None,
            )
            session.commit()
        except Exception as exc:
            Path(copy.name).unlink(missing_ok=True)
            raise click.ClickException(getattr(exc, "detail", str(exc))) from exc
        job_id = job.id
        started = time.perf_counter()
        worker.run_until_idle(session, config, only_job=job_id)  # plans the job: now we know the total
        job = _fresh(session, job_id)
        if job.status in ("failed", "rejected"):
            raise click.ClickException(job.error or job.status)
        _run_with_bar(session, config, job_id)
        job = _fresh(session, job_id)
        if job.status != "done":
            raise click.ClickException(job.error or f"the job ended {job.status}")
        results = service.results_file(session=session, principal=_cli_principal(agency_code), job_id=job_id)
        output = output or path.with_name(results.filename)
        with open(output, "wb") as out:
            for block in spool.stream_results(config.spool_root, job_id, results.columns, results.chunk_count):
                out.write(block)
        session.close()
        seconds = time.perf_counter() - started
        click.echo(
            f"job {job_id}: {job.rows_done} rows in {seconds:.1f} s "
            f"({job.rows_done / max(seconds, 1e-9):,.0f} rows/s); results in {output}"
        )
        for outcome, count in sorted(job.summary["counts"].items(), key=lambda item: -item[1]):
            click.echo(f"  {outcome:<12} {count:>10,}")
        for problem in job.summary["top_problems"]:
            click.echo(f"  problem {problem['problem']:<26} {problem['rows']:>10,}")

    @app.cli.command("verify-worker")
    @click.option("--once", is_flag=True, help="Stop when the queue is empty")
    @click.option("--poll", default=2.0, show_default=True, help="Seconds between looks at an empty queue")
    def verify_worker(once: bool, poll: float) -> None:
        """Work the verification queue (run several, on several machines, against PostgreSQL)."""
        config = worker.settings(current_app)
        session = db.new_session()
        try:
            while True:
                worker.run_until_idle(session, config)
                if once:
                    return
                time.sleep(poll)
        finally:
            session.close()


def _fresh(session, job_id: int) -> VerificationJob:
    session.expire_all()
    job = session.get(VerificationJob, job_id)
    session.rollback()  # keep no read snapshot open between work units
    return job


def _run_with_bar(session, config, job_id: int) -> None:
    job = _fresh(session, job_id)
    shown = 0
    with click.progressbar(
        length=job.total_rows or 0, label=f"verifying job {job_id}", show_pos=True, show_eta=True
    ) as bar:

        def advance() -> None:
            nonlocal shown
            done = _fresh(session, job_id).rows_done
            bar.update(done - shown)
            shown = done

        worker.run_until_idle(session, config, only_job=job_id, on_progress=advance)
