"""Wire contract of the national login: relying parties (administrators), the app's device keys and login
approvals, and eKYC results."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema

SCOPE_NAMES = ("openid", "identity", "address", "household", "insurance", "driving_licence", "ekyc")
CLIENT_ID = fields.String(
    required=True, validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9_.-]{1,19}$"), metadata={"example": "NH-VIETBANK"}
)
HTTPS_URI = fields.String(
    validate=validate.And(validate.Length(max=500), validate.URL(schemes={"https", "http"}, require_tld=False))
)


class RelyingPartyCreateSchema(BaseSchema):
    client_id = CLIENT_ID
    name = fields.String(required=True, validate=validate.Length(min=2, max=150))
    purpose = fields.String(required=True, validate=validate.Length(min=5, max=200))
    legal_basis = fields.String(
        required=True,
        validate=validate.Length(min=5, max=200),
        metadata={"example": "Thông tư 17/2024/TT-NHNN, Điều 14"},
    )
    sector = fields.String(
        load_default=None,
        validate=validate.Length(min=2, max=64),
        metadata={"description": "Parties of one sector share a pairwise subject"},
    )
    redirect_uris = fields.List(HTTPS_URI, required=True, validate=validate.Length(min=1, max=10))
    post_logout_redirect_uris = fields.List(HTTPS_URI, load_default=list, validate=validate.Length(max=10))
    scopes = fields.List(
        fields.String(validate=validate.OneOf(SCOPE_NAMES)),
        required=True,
        validate=validate.Length(min=1, max=len(SCOPE_NAMES)),
    )
    level_required = fields.Integer(required=True, validate=validate.OneOf((1, 2)))
    auth_method = fields.String(required=True, validate=validate.OneOf(("private_key_jwt", "client_secret_basic")))
    jwks = fields.Dict(load_default=None, metadata={"description": "The party's public keys (JWK set)"})
    consent_days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=365))


class RelyingPartySchema(BaseSchema):
    client_id = fields.String()
    name = fields.String()
    purpose = fields.String()
    legal_basis = fields.String()
    sector = fields.String()
    redirect_uris = fields.List(fields.String(), attribute="redirect_uri_list")
    scopes = fields.List(fields.String(), attribute="scope_list")
    level_required = fields.Integer()
    auth_method = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


class RegisteredRelyingPartySchema(BaseSchema):
    relying_party = fields.Nested(RelyingPartySchema)
    client_secret = fields.String(allow_none=True, metadata={"description": "Shown once (client_secret_basic)"})


class RelyingPartyStatusSchema(BaseSchema):
    status = fields.String(required=True, validate=validate.OneOf(("active", "suspended")))


class DeviceKeyCreateSchema(BaseSchema):
    public_key = fields.String(
        required=True,
        validate=validate.Length(equal=43),
        metadata={"description": "Raw Ed25519 public key, base64url without padding"},
    )
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))


class DeviceKeySchema(BaseSchema):
    id = fields.String(attribute="public_id")
    label = fields.String()
    created_at = fields.DateTime()


class LoginRequestSchema(BaseSchema):
    id = fields.String(attribute="public_id")
    client_id = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    signing_input = fields.String(
        metadata={
            "description": "Sign 'congdan-login-approval\\n<id>\\n<client_id>\\n<decision>' (UTF-8) with the device key"
        }
    )


class LoginDecisionSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "deny")))
    device_key_id = fields.String(required=True, validate=validate.Length(equal=32))
    signature = fields.String(
        required=True,
        validate=validate.Length(equal=86),
        metadata={"description": "Ed25519 signature, base64url without padding"},
    )


class DeviceUnbindSchema(BaseSchema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=3, max=150),
        metadata={"example": "báo mất điện thoại / phone reported lost"},
    )
