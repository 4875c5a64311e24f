"""RFC 9457 problem details: the one error format of the congdan API."""

from __future__ import annotations

from marshmallow import fields

from shared_schemas.base import BaseSchema

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemSchema(BaseSchema):
    type = fields.String(metadata={"description": "URI identifying the problem type"})
    title = fields.String(metadata={"description": "Short, human-readable summary of the problem type"})
    status = fields.Integer(metadata={"description": "HTTP status code"})
    detail = fields.String(metadata={"description": "Explanation specific to this occurrence"})
    instance = fields.String(metadata={"description": "The request path"})
    code = fields.String(metadata={"description": "Stable machine-readable error code"})
    errors = fields.Dict(metadata={"description": "Per-field validation messages, keyed by location then field name"})
    required_level = fields.Integer(metadata={"description": "Account level the service needs"})
    reason = fields.String(
        metadata={
            "description": "Why identification evidence was refused (untrusted-signer, "
            "hash-mismatch, group-missing, active-authentication-failed, "
            "challenge-invalid, ...)"
        }
    )
    retry_after = fields.Integer(metadata={"description": "Seconds to wait before trying again (as Retry-After)"})
