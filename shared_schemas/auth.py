"""Identity-account and token schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PastDate, PersonalId, PersonName

_USERNAME = validate.Regexp(r"^[A-Za-z0-9._-]{3,64}$", error="Use the 12-digit ID number or your staff username.")


class LoginSchema(BaseSchema):
    username = fields.String(required=True, validate=_USERNAME,
                             metadata={"description": "12-digit personal ID for citizens; username for staff",
                                       "example": "001090012345"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))

    @ma.validates("username")
    def _personal_id_shape(self, value: str, **_kwargs) -> None:
        if value.isdigit() and len(value) != 12:
            raise ma.ValidationError("A personal ID number has exactly 12 digits.")


class RegisterSchema(BaseSchema):
    personal_id = PersonalId(required=True)
    full_name = PersonName(required=True)
    date_of_birth = PastDate(required=True)
    phone = fields.String(required=True, validate=validate.Regexp(
        r"^0\d{9}$", error="A Vietnamese mobile number has 10 digits and starts with 0."),
        metadata={"example": "0912345678"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(
        min=10, max=256, error="The password needs at least 10 characters."))


class TokenPairSchema(BaseSchema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(dump_default="Bearer")
    expires_in = fields.Integer(metadata={"description": "Access-token lifetime in seconds"})


class AccountSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    role = fields.String()
    level = fields.Integer()
    display_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    scope_code = fields.String(allow_none=True)
    status = fields.String()
    level_raised_at = fields.DateTime(allow_none=True)


class RaiseLevelSchema(BaseSchema):
    level = fields.Integer(required=True, validate=validate.Equal(2, error="Accounts are raised to level 2."))
    evidence = fields.String(required=True, validate=validate.OneOf(
        ["chip_card_in_person", "card_and_face_in_person", "card_and_fingerprint_in_person"]))
