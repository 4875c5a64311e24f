"""Signed-document, verification and identity-QR schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema

DOCUMENT_STATUSES = ("valid", "expired", "revoked", "replaced", "tampered")


class SignedDocumentSchema(BaseSchema):
    id = fields.String()
    doc_type = fields.String(metadata={"example": "residence-confirmation"})
    issued_at = fields.DateTime()
    expires_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)
    kid = fields.String()
    token = fields.String(metadata={"description": "The compact JWS (typ congdan-doc+jws) in the QR code"})
    content = fields.Dict(
        metadata={"description": "The document's fields; the SHA-256 of their canonical JSON is the `sha256` claim"}
    )
    pdf_sha256 = fields.String()
    number = fields.String(
        allow_none=True,
        metadata={
            "description": "The issuing agency's number: sequence/year/symbol-agency",
            "example": "000125/2026/XNCT-CAX00001",
        },
    )


class DocumentVerifyRequestSchema(BaseSchema):
    token = fields.String(required=True, validate=validate.Length(min=5, max=4096))
    content = fields.Dict(metadata={"description": "Optional: the document's fields, checked against it"})


class DocumentVerifyPdfSchema(BaseSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class DocumentVerificationSchema(BaseSchema):
    status = fields.String(validate=validate.OneOf(DOCUMENT_STATUSES))
    reason = fields.String(
        allow_none=True,
        metadata={
            "description": "Why it is not valid: bad-signature, unknown-key, unknown-document, content-mismatch, "
            "pdf-modified, pdf-signature-invalid, no-signature, validity-period-ended, or the "
            "revocation reason (e.g. residence-changed, replaced)"
        },
    )
    document_id = fields.String(allow_none=True)
    doc_type = fields.String(allow_none=True)
    holder = fields.String(allow_none=True, metadata={"description": "The holder's masked personal ID"})
    issued_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    kid = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    issuer_code = fields.String(allow_none=True, metadata={"description": "The issuing agency's code"})


class IdentityQrSchema(BaseSchema):
    token = fields.String(metadata={"description": "Compact JWS, typ congdan-id+jws; show it as a QR code"})
    expires_at = fields.DateTime()
    qr_svg = fields.String(metadata={"description": "The token rendered as an SVG QR code"})
