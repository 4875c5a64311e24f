"""The wire contract of account recovery: a kiosk (or an officer's desk) sends the chip read with its face
photo (DG2) and camera frames; the backend answers with a one-time code the new phone's app scans."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema
from shared_schemas.identification import Base64Bytes, ChipEvidenceSchema

#: DG2 of a CCCD holds one ICAO photo of 15-20 KB; 64 KB leaves room for a JPEG 2000 at a higher quality.
MAX_DG2_BYTES = 65_536
#: A 640x480 JPEG frame is 40-80 KB; eight of them in base64 stay under the API's 2 MiB body limit.
MAX_FRAME_BYTES = 150_000
MIN_FRAMES, MAX_FRAMES = 3, 8
PROMPTS = ("blink", "turn_left", "turn_right")
ATTEMPT_STATUSES = ("started", "refused", "needs_staff", "approved", "code_issued", "completed")


class RecoveryChipEvidenceSchema(ChipEvidenceSchema):
    """The chip read for a recovery: DG2 (the face) is needed, and EF.SOD must list it."""

    dg2 = Base64Bytes(required=True, max_bytes=MAX_DG2_BYTES)


class RecoveryEvidenceSchema(BaseSchema):
    chip = fields.Nested(RecoveryChipEvidenceSchema, required=True)
    frames = fields.List(
        Base64Bytes(max_bytes=MAX_FRAME_BYTES),
        required=True,
        validate=validate.Length(min=MIN_FRAMES, max=MAX_FRAMES),
        metadata={"description": "JPEG camera frames in capture order while the person did the prompted action"},
    )


class DeskRecoverySchema(BaseSchema):
    """An officer recovers the account of a person in front of them, after comparing face and card."""

    chip = fields.Nested(RecoveryChipEvidenceSchema, required=True)
    identity_confirmed = fields.Boolean(required=True, validate=validate.Equal(True))
    note = fields.String(required=True, validate=validate.Length(min=3, max=200))


class StaffConfirmationSchema(BaseSchema):
    confirmed = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=200))


class RecoveryAttemptSchema(BaseSchema):
    attempt_id = fields.String()
    status = fields.String(validate=validate.OneOf(ATTEMPT_STATUSES))
    prompt = fields.String(validate=validate.OneOf(PROMPTS))
    challenge_id = fields.String(allow_none=True)
    challenge = Base64Bytes(max_bytes=64, allow_none=True)
    reason = fields.String(allow_none=True)
    message_vi = fields.String(allow_none=True)
    message_en = fields.String(allow_none=True)
    match_distance = fields.Float(allow_none=True)
    recovery_code = fields.String(allow_none=True, metadata={"description": "Shown once, as a QR"})
    code_expires_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class DeviceBindingSchema(BaseSchema):
    recovery_code = fields.String(required=True, validate=validate.Regexp(r"^(congdan-recover:)?[A-Za-z0-9_-]{20,64}$"))
    public_key = fields.String(
        required=True, validate=validate.Length(equal=43), metadata={"description": "Raw Ed25519, base64url"}
    )
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))


class DeviceBindingResultSchema(BaseSchema):
    device_key_id = fields.String()
    access_token = fields.String()
    refresh_token = fields.String()
    sessions_ended = fields.Integer()
    devices_unbound = fields.Integer()


class AccountLockSchema(BaseSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=200))


class AccountLockResultSchema(BaseSchema):
    status = fields.String()
    sessions_ended = fields.Integer()
    devices_unbound = fields.Integer()
    message_vi = fields.String()
    message_en = fields.String()
