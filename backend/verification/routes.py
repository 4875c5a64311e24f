"""Bulk verification endpoints: agencies (administrators), jobs, progress and results (agencies)."""

from __future__ import annotations

import functools
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, g, request, stream_with_context, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.access import ADMIN, AGENCY, access, current_principal
from backend.core.unit_of_work import end_reads, hand_off
from backend.errors import ValidationFailed
from backend.extensions import db
from backend.verification import service, spool, worker
from shared_schemas.verification import (
    AgencySchema,
    AgencyUpdateSchema,
    JobListQuerySchema,
    JobSchema,
    JsonJobCreateSchema,
    RecordChunkSchema,
    UploadFileSchema,
    UploadFormSchema,
)

blp = Blueprint(
    "verification",
    __name__,
    url_prefix="/verification",
    description="Bulk verification of agency records against the population registry",
)

MULTIPART = ("multipart/form-data",)


@blp.before_request
def _start_worker():
    # Jobs queued before a restart, or by another process, get picked up once anyone calls us.
    worker.ensure_started(current_app)


def _status(job) -> service.JobStatus:
    done = job.status == "done"
    return service.JobStatus(job, url_for("verification.JobResults", job_id=job.id) if done else None)


def streamed_upload(view):
    """Raise the body limit for this route only (VERIFICATION_MAX_UPLOAD_BYTES, default 512 MiB; the
    app-wide MAX_CONTENT_LENGTH stays 2 MiB) and stream file parts straight into the spool folder."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        config = worker.settings(current_app)
        incoming = Path(config.spool_root) / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        request.max_content_length = config.max_upload_bytes

        def spool_file(total_content_length, content_type, filename=None, content_length=None):
            return tempfile.NamedTemporaryFile(dir=incoming, prefix="upload-", delete=False)

        request._get_file_stream = spool_file  # werkzeug's per-request stream factory hook
        # The body arrives after the token was checked: end any transaction that check opened, so no
        # database lock is held while a (slow) upload streams in. (Commit, not rollback: only reads ran,
        # and in tests the request shares the fixture's session.)
        end_reads(db.session)
        try:
            return view(*args, **kwargs)
        finally:
            for storage in request.files.values():
                storage.stream.close()
                Path(storage.stream.name).unlink(missing_ok=True)  # adopted uploads were moved away

    wrapper.accepts_content_types = MULTIPART
    return wrapper


# -- agencies ------------------------------------------------------------------------------------
@blp.route("/agencies")
class Agencies(MethodView):
    @access(ADMIN)
    @blp.response(200, AgencySchema(many=True))
    def get(self):
        """Agencies and their daily quotas (administrators)"""
        return [
            dict(
                code=a.code,
                name=a.name,
                daily_quota=a.daily_quota,
                active=a.active,
                used_today=service.usage_today(session=db.session, agency=a),
            )
            for a in service.list_agencies(session=db.session)
        ]


@blp.route("/agencies/<string:code>")
class AgencyQuota(MethodView):
    @access(ADMIN)
    @blp.arguments(AgencyUpdateSchema)
    @blp.response(200, AgencySchema)
    def put(self, data, code):
        """Register an agency or change its daily quota (administrators)"""
        if not 2 <= len(code) <= 20 or not all(c.isalnum() or c in "_.-" for c in code):
            raise ValidationFailed("An agency code has 2-20 letters, digits, '.', '_' or '-'.")
        agency = service.set_agency(session=db.session, code=code, principal=current_principal(), **data)
        return dict(
            code=agency.code,
            name=agency.name,
            daily_quota=agency.daily_quota,
            active=agency.active,
            used_today=service.usage_today(session=db.session, agency=agency),
        )


# -- jobs ----------------------------------------------------------------------------------------
@blp.route("/jobs")
class Jobs(MethodView):
    @access(AGENCY)
    @blp.arguments(JobListQuerySchema, location="query")
    @blp.response(200, JobSchema(many=True))
    def get(self, query):
        """My agency's verification jobs, newest first"""
        jobs = service.list_jobs(
            session=db.session,
            principal=current_principal(),
            status=query.get("status"),
            page=query["page"],
            per_page=query["per_page"],
        )
        return [_status(job) for job in jobs]

    @access(AGENCY)
    @streamed_upload
    @blp.arguments(UploadFormSchema, location="form")
    @blp.arguments(UploadFileSchema, location="files")
    @blp.response(202, JobSchema)
    def post(self, form, files):
        """Upload a CSV or XLSX file (multipart, field `file`) and start verifying it in the background"""
        upload = files["file"]
        job = service.create_upload_job(
            session=db.session,
            principal=current_principal(),
            config=worker.settings(current_app),
            purpose=form["purpose"],
            filename=upload.filename,
            upload_path=Path(upload.stream.name),
            client_id=current_principal().client_id,
            request_id=g.get("request_id"),
        )
        hand_off(db.session)  # the worker's own session must see the job
        worker.wake(current_app, db.session)
        return _status(db.session.get(type(job), job.id))


@blp.route("/record-jobs")
class RecordJobs(MethodView):
    @access(AGENCY)
    @blp.arguments(JsonJobCreateSchema)
    @blp.response(201, JobSchema)
    def post(self, data):
        """Open a job that receives records as JSON chunks (then submit it)"""
        job = service.create_json_job(
            session=db.session,
            principal=current_principal(),
            config=worker.settings(current_app),
            purpose=data["purpose"],
            client_id=current_principal().client_id,
            request_id=g.get("request_id"),
        )
        return _status(job)


@blp.route("/jobs/<int:job_id>/records")
class JobRecords(MethodView):
    @access(AGENCY)
    @blp.arguments(RecordChunkSchema)
    @blp.response(200, JobSchema)
    def post(self, data, job_id):
        """Add up to 5,000 records to a receiving job"""
        job = service.append_records(
            session=db.session,
            principal=current_principal(),
            config=worker.settings(current_app),
            job_id=job_id,
            records=data["records"],
        )
        return _status(job)


@blp.route("/jobs/<int:job_id>/submit")
class JobSubmit(MethodView):
    @access(AGENCY)
    @blp.response(202, JobSchema)
    def post(self, job_id):
        """Close a receiving job and start verifying it"""
        job = service.submit_json_job(session=db.session, principal=current_principal(), job_id=job_id)
        hand_off(db.session)  # the worker's own session must see the job
        worker.wake(current_app, db.session)
        return _status(db.session.get(type(job), job.id))


@blp.route("/jobs/<int:job_id>")
class Job(MethodView):
    @access(AGENCY)
    @blp.response(200, JobSchema)
    def get(self, job_id):
        """A job's status, progress (rows done/total, rate, ETA) and, when done, its summary"""
        return _status(service.get_job(session=db.session, principal=current_principal(), job_id=job_id))


@blp.route("/jobs/<int:job_id>/results")
class JobResults(MethodView):
    @access(AGENCY)
    @blp.response(200, {"format": "binary", "type": "string"}, content_type="text/csv")
    def get(self, job_id):
        """The results CSV: the original columns plus line, verification_result, differences, detail"""
        results = service.results_file(session=db.session, principal=current_principal(), job_id=job_id)
        body = spool.stream_results(
            worker.settings(current_app).spool_root, results.job_id, results.columns, results.chunk_count
        )
        response = Response(stream_with_context(body), mimetype="text/csv")
        set_download_name(response, results.filename)
        return response


def set_download_name(response: Response, name: str) -> None:
    """Content-Disposition per RFC 6266: `filename*=UTF-8''...` (RFC 5987, percent-encoded, so any name
    is safe) plus a plain ASCII `filename` for old clients, without quotes, backslashes, semicolons or
    control characters (a quote in the name must not end the value and start a parameter of its own)."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    fallback = "".join(c for c in folded if c.isascii() and c.isprintable() and c not in '"\\;').strip()
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback or 'results.csv'}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
