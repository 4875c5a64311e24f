"""Sessions (login families) and account status: what a holder sees of their sessions, what staff send to
disable an account."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema


class SessionSchema(BaseSchema):
    id = fields.String(metadata={"description": "The session (token family) id"})
    client = fields.String(allow_none=True, metadata={"description": "What the session was opened from"})
    created_at = fields.DateTime()
    current = fields.Boolean(metadata={"description": "The session this request belongs to"})


class SessionsEndedSchema(BaseSchema):
    ended = fields.Integer()


class AccountStatusSchema(BaseSchema):
    status = fields.String(required=True, validate=validate.OneOf(("active", "disabled")))
    reason = fields.String(
        required=True,
        validate=validate.Length(min=5, max=200),
        metadata={"description": "Why (shown to the citizen in their access log)"},
    )
