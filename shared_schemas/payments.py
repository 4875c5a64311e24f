"""Payment schemas: creating and reading payment intents, and the gateway's signed callback."""

from __future__ import annotations

from datetime import datetime

import marshmallow as ma
from marshmallow import fields, validate

from shared_schemas.base import BaseSchema

PURPOSES = ("traffic-fine", "judicial-fee")
MAX_AMOUNT = 10_000_000_000  # đồng; far above any fine or fee, it only bounds the input


class PaymentIntentCreateSchema(BaseSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    reference = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "The penalty decision or certificate request number"},
    )
    amount = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_AMOUNT),
        metadata={"description": "The amount due as shown to the citizen, in đồng"},
    )


class PaymentIntentSchema(BaseSchema):
    id = fields.String()
    purpose = fields.String()
    reference = fields.String()
    description = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    status = fields.String()
    checkout_url = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    receipt_number = fields.String(allow_none=True)
    receipt_document_id = fields.String(allow_none=True)


class AwareIsoDateTime(fields.String):
    """An ISO 8601 datetime with an offset, kept as the string the gateway signed."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ma.ValidationError("Not an ISO 8601 datetime.") from None
        if parsed.tzinfo is None:
            raise ma.ValidationError("The datetime needs a UTC offset.")
        return text


class GatewayCallbackSchema(BaseSchema):
    """The fields a gateway signs and posts back."""

    intent_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))
    gateway_transaction_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_\-]{6,64}$"))
    outcome = fields.String(required=True, validate=validate.OneOf(("succeeded", "failed")))
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_AMOUNT))
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    paid_at = AwareIsoDateTime(required=True)


class PaymentCallbackHeadersSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    timestamp = fields.String(data_key="X-Congdan-Timestamp", load_default=None)
    nonce = fields.String(data_key="X-Congdan-Nonce", load_default=None)
    signature = fields.String(data_key="X-Congdan-Signature", load_default=None)


class PaymentCallbackResultSchema(BaseSchema):
    result = fields.String(metadata={"description": "posted | already-posted | failed | ignored | refund-due"})
    intent_id = fields.String()
    receipt_number = fields.String(allow_none=True)
