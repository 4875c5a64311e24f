"""Identity-account and token schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PastDate, PersonalId, PersonName
from shared_schemas.identification import ChipChallengeSchema, ChipEvidenceSchema  # noqa: F401 - re-exported

_USERNAME = validate.Regexp(r"^[A-Za-z0-9._-]{3,64}$", error="Use the 12-digit ID number or your staff username.")


class LoginSchema(BaseSchema):
    username = fields.String(
        required=True,
        validate=_USERNAME,
        metadata={"description": "12-digit personal ID for citizens; username for staff", "example": "001090012345"},
    )
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))

    @ma.validates("username")
    def _personal_id_shape(self, value: str, **_kwargs) -> None:
        if value.isdigit() and len(value) != 12:
            raise ma.ValidationError("A personal ID number has exactly 12 digits.")


_PASSWORD = validate.Length(min=10, max=256, error="The password needs at least 10 characters.")
_PHONE = validate.Regexp(r"^0\d{9}$", error="A Vietnamese mobile number has 10 digits and starts with 0.")


class RegisterSchema(BaseSchema):
    """Start a self-registration: a code goes by SMS to the phone number the population registry holds."""

    personal_id = PersonalId(required=True)
    full_name = PersonName(required=True)
    date_of_birth = PastDate(required=True)


class RegistrationPendingSchema(BaseSchema):
    registration_id = fields.String()
    expires_at = fields.DateTime()
    detail = fields.String()
    detail_vi = fields.String()


class RegisterConfirmSchema(BaseSchema):
    registration_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="The code has 6 digits."))
    password = fields.String(required=True, load_only=True, validate=_PASSWORD)


class ChipRegisterSchema(BaseSchema):
    """Register with the chip ID card read by the phone: identity comes from the verified chip."""

    chip = fields.Nested(ChipEvidenceSchema, required=True)
    password = fields.String(required=True, load_only=True, validate=_PASSWORD)
    phone = fields.String(load_default=None, validate=_PHONE, metadata={"example": "0912345678"})


class ActivateSchema(BaseSchema):
    """Set the password with the activation code an officer handed over in person."""

    username = fields.String(required=True, validate=_USERNAME)
    activation_code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9]{5}-?[A-Za-z0-9]{5}$", error="The activation code looks like ABCDE-FGHJK."
        ),
    )
    password = fields.String(required=True, load_only=True, validate=_PASSWORD)


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
    evidence = fields.String(
        required=True,
        validate=validate.OneOf(["chip_card_in_person", "card_and_face_in_person", "card_and_fingerprint_in_person"]),
    )


class LevelRaisedSchema(BaseSchema):
    """The raised account and the one-time code the officer hands over (shown once, never stored in clear)."""

    account = fields.Nested(AccountSchema)
    activation_code = fields.String()
    activation_expires_at = fields.DateTime()
