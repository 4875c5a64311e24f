"""Schemas of the register of issued chip ID cards (thẻ căn cước gắn chip)."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PastDate

CARD_STATUSES = ("valid", "replaced", "reported_lost", "revoked")

REASON = fields.String(
    required=True,
    validate=validate.Length(min=5, max=200),
    metadata={
        "description": "Why; recorded on the card and in the citizen's access log",
        "example": "cấp đổi thẻ do hư hỏng / replacement of a damaged card",
    },
)


class IdentityCardSchema(BaseSchema):
    id = fields.Integer()
    document_number = fields.String(metadata={"description": "As in the chip's DG1 (MRZ): ID digits 4-12"})
    issued_on = fields.Date()
    expires_on = fields.Date(allow_none=True, metadata={"description": "null: the card never expires"})
    status = fields.String(validate=validate.OneOf(CARD_STATUSES))
    status_changed_at = fields.DateTime()
    status_reason = fields.String(allow_none=True)


class IdentityCardIssueSchema(BaseSchema):
    issued_on = PastDate(required=True)
    reason = REASON


class IdentityCardReasonSchema(BaseSchema):
    reason = REASON
