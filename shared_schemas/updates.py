"""Wire schemas of kiosk software updates: releases and rollouts (fleet admins), and the signed update
check a kiosk makes (its report in, the offer out). The package itself is verified by the kiosk's TUF
client; the offer only says which TUF target to fetch."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema
from shared_schemas.fleet import KIOSK_ID_PATTERN

VERSION_REGEX = r"^\d{1,4}\.\d{1,4}\.\d{1,6}$"
UPDATE_STATES = ("idle", "downloading", "downloaded", "switched", "confirmed", "rolled_back", "refused", "failed")
ROLLOUT_ACTIONS = ("stop", "resume", "advance")
_VERSION = validate.Regexp(VERSION_REGEX, error="A version looks like 2.1.0.")
_TEXT = validate.Length(max=300)


class ReleaseUploadFormSchema(BaseSchema):
    version = fields.String(required=True, validate=_VERSION)
    notes = fields.String(load_default="", validate=validate.Length(max=500))


class ReleaseUploadFileSchema(BaseSchema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "kiosk_app-<version>.tar.gz"},
    )


class ReleaseSchema(BaseSchema):
    id = fields.Integer()
    version = fields.String()
    target_name = fields.String()
    sha256 = fields.String()
    length = fields.Integer()
    notes = fields.String()
    created_at = fields.AwareDateTime()


class RolloutCreateSchema(BaseSchema):
    release_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    canary_kiosk_ids = fields.List(
        fields.String(validate=validate.Regexp(KIOSK_ID_PATTERN)),
        required=True,
        validate=validate.Length(min=1, max=50),
    )
    share_percent = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    outside_clinic_hours = fields.Boolean(load_default=True)
    not_before = fields.AwareDateTime(load_default=None, allow_none=True)


class RolloutActionSchema(BaseSchema):
    action = fields.String(required=True, validate=validate.OneOf(ROLLOUT_ACTIONS))


class RolloutSchema(BaseSchema):
    id = fields.Integer()
    release_id = fields.Integer()
    version = fields.String()
    state = fields.String()
    wave = fields.String()
    canary_kiosk_ids = fields.List(fields.String())
    share_percent = fields.Integer()
    outside_clinic_hours = fields.Boolean()
    not_before = fields.AwareDateTime()
    halted_reason = fields.String(allow_none=True)
    wave_members = fields.Integer()
    wave_states = fields.Dict(keys=fields.String(), values=fields.Integer())


class UpdateCheckSchema(BaseSchema):
    """What the kiosk runs and how its last update went."""

    running_version = fields.String(required=True, validate=validate.Length(min=1, max=32))
    slot = fields.String(required=True, validate=validate.OneOf(("A", "B")))
    state = fields.String(required=True, validate=validate.OneOf(UPDATE_STATES))
    rollout_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    target_version = fields.String(load_default=None, allow_none=True, validate=_VERSION)
    detail = fields.String(load_default=None, allow_none=True, validate=_TEXT)
    crashes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))


class UpdateOfferSchema(BaseSchema):
    rollout_id = fields.Integer(allow_none=True)
    version = fields.String(allow_none=True)
    target_name = fields.String(allow_none=True, metadata={"description": "The TUF target to fetch and verify"})
