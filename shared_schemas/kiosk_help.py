"""Wire schemas of a patient's call for help at a check-in kiosk ("Gọi nhân viên / Call staff"): what the
kiosk sends (the screen and what went wrong, never who the patient is) and what hospital staff list."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema

#: The kiosk screens a patient can call from (kiosk_app.flow.State values plus the locked screen).
HELP_SCREENS = (
    "welcome",
    "identify",
    "reading",
    "typing",
    "checking_in",
    "confirm",
    "insurance",
    "department",
    "issuing",
    "ticket",
    "error",
    "locked",
)
#: What went wrong, as the kiosk knows it: the patient pressed the button, a read or check failed, the
#: printer failed, or the kiosk timed out waiting on a device.
HELP_REASONS = ("patient_asked", "identify_failed", "checkin_refused", "print_failed", "offline")
HELP_STATES = ("open", "acknowledged", "all")


class HelpRequestCreateSchema(BaseSchema):
    screen = fields.String(required=True, validate=validate.OneOf(HELP_SCREENS))
    reason = fields.String(load_default="patient_asked", validate=validate.OneOf(HELP_REASONS))
    detail = fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "The message the patient saw (no personal data)"},
    )
    language = fields.String(load_default="vi", validate=validate.OneOf(("vi", "en")))
    assisted = fields.Boolean(load_default=False, metadata={"description": "Staff were already at the kiosk"})


class HelpRequestSchema(BaseSchema):
    id = fields.String()
    hospital_code = fields.String()
    kiosk = fields.String(metadata={"description": "The kiosk's display name (where to go)"})
    fleet_kiosk_id = fields.String(allow_none=True)
    screen = fields.String()
    reason = fields.String()
    detail = fields.String(allow_none=True)
    language = fields.String()
    state = fields.String(validate=validate.OneOf(("open", "acknowledged")))
    created_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    existing = fields.Boolean(metadata={"description": "The kiosk's open call from moments ago, not a new one"})


class HelpRequestQuerySchema(BaseSchema):
    state = fields.String(load_default="open", validate=validate.OneOf(HELP_STATES))
