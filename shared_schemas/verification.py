"""Wire contract of bulk verification: agencies and quotas, jobs, progress, JSON record chunks."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PageQuerySchema

PURPOSE = fields.String(
    required=True,
    validate=validate.Length(min=5, max=200),
    metadata={
        "description": "Why the agency verifies these records; recorded in every verified citizen's audit trail",
        "example": "cleaning student records for the 2025 school year",
    },
)
AGENCY_CODE = fields.String(validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9_.-]{1,19}$"), metadata={"example": "SGDDT-79"})


class AgencySchema(BaseSchema):
    code = fields.String()
    name = fields.String()
    daily_quota = fields.Integer(metadata={"description": "Rows the agency may verify per day (Vietnam time)"})
    active = fields.Boolean()
    used_today = fields.Integer()


class AgencyUpdateSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    daily_quota = fields.Integer(required=True, validate=validate.Range(min=0, max=100_000_000))
    active = fields.Boolean(load_default=True)


class UploadFormSchema(BaseSchema):
    purpose = PURPOSE


class UploadFileSchema(BaseSchema):
    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "CSV (UTF-8) or XLSX; first row names the columns",
        },
    )


class JsonJobCreateSchema(BaseSchema):
    purpose = PURPOSE


class RecordSchema(BaseSchema):
    """One agency record. Contents are checked by the job (bad rows are reported, not refused)."""

    personal_id = fields.String(required=True, validate=validate.Length(max=20))
    full_name = fields.String(required=True, validate=validate.Length(max=200))
    date_of_birth = fields.String(required=True, validate=validate.Length(max=20), metadata={"example": "2010-09-05"})
    sex = fields.String(required=True, validate=validate.Length(max=10), metadata={"example": "female"})
    old_id_number = fields.String(validate=validate.Length(max=20))
    permanent_province_code = fields.String(validate=validate.Length(max=5))


class RecordChunkSchema(BaseSchema):
    records = fields.List(fields.Nested(RecordSchema), required=True, validate=validate.Length(min=1, max=5_000))


class ProgressSchema(BaseSchema):
    rows_done = fields.Integer()
    total_rows = fields.Integer(allow_none=True)
    percent = fields.Float(allow_none=True)
    rows_per_second = fields.Float(allow_none=True)
    eta_seconds = fields.Float(allow_none=True)


class ProblemCountSchema(BaseSchema):
    problem = fields.String()
    rows = fields.Integer()


class MalformedLineSchema(BaseSchema):
    line = fields.Integer()
    reason = fields.String()


class SummarySchema(BaseSchema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    blank_rows = fields.Integer()
    top_problems = fields.List(fields.Nested(ProblemCountSchema))
    malformed_rows = fields.Integer()
    malformed_lines = fields.List(fields.Nested(MalformedLineSchema))


class JobSchema(BaseSchema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "receiving | queued | running | done | failed | rejected"})
    source_format = fields.String()
    original_filename = fields.String(allow_none=True)
    purpose = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)
    progress = fields.Nested(ProgressSchema)
    summary = fields.Nested(SummarySchema, allow_none=True)
    results_url = fields.String(allow_none=True)


class JobListQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(["receiving", "queued", "running", "done", "failed", "rejected"]))
