"""Kiosk fleet wire contract: enrollment, device authentication, heartbeats, signed configuration and
commands, and the fleet-admin API. Also the canonical bytes a kiosk signs for a request (pure: used by the
backend to verify and by kiosk_app/services/fleet_agent.py to sign)."""

from __future__ import annotations

import hashlib
import re

from marshmallow import ValidationError, fields, missing, validate, validates_schema

from shared_schemas.base import BaseSchema
from shared_schemas.quick_load import QuickLoad

# --- vocabulary ---------------------------------------------------------------------------------------------
KIOSK_STATUSES = ("active", "suspended", "decommissioned")
CONNECTIVITY = ("online", "offline", "never_seen")
COMMAND_KINDS = ("reload_config", "restart_app", "lock", "unlock", "flush_outbox", "collect_diagnostics")
COMMAND_STATES = ("queued", "delivered", "succeeded", "failed", "expired")
ALERT_KINDS = ("offline", "printer_out_of_paper", "read_success_low", "help_requested")
DEVICE_STATES = ("ok", "error", "missing", "paper_out")
SCAN_METHODS = ("chip", "cccd_qr", "signed_qr", "id_and_dob")  # as the health check-in's methods
CHECKIN_STEPS = ("identify", "insurance", "department", "ticket")
LANGUAGES = ("vi", "en")

# JWS `typ` of what the backend signs for kiosks (shared_schemas.signed does the signing).
CONFIG_TOKEN_TYPE = "congdan-fleet-config+jws"
COMMAND_TOKEN_TYPE = "congdan-fleet-command+jws"

# --- signed requests ----------------------------------------------------------------------------------------
HEADER_KIOSK = "X-Fleet-Kiosk"
HEADER_TIMESTAMP = "X-Fleet-Timestamp"
HEADER_NONCE = "X-Fleet-Nonce"
HEADER_SIGNATURE = "X-Fleet-Signature"
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KIOSK_ID_PATTERN = re.compile(r"^KSK-[0-9A-F]{8}$")
ENROLLMENT_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed
ENROLLMENT_QR_PREFIX = "CONGDAN-FLEET:"


def request_signing_input(*, method: str, path: str, kiosk_id: str, timestamp: int, nonce: str, body: bytes) -> bytes:
    """What a kiosk signs: method, path, its id, time, a fresh nonce and the body's hash (one per line)."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join(
        ("congdan-fleet-request-v1", method.upper(), path, kiosk_id, str(int(timestamp)), nonce, digest)
    ).encode("ascii")


def enrollment_proof_input(*, code: str, public_key: str) -> bytes:
    """What a new kiosk signs at enrollment, proving it holds the private half of the key it registers."""
    return f"congdan-fleet-enroll-v1\n{normalize_enrollment_code(code)}\n{public_key}".encode("ascii")


def challenge_signing_input(*, kiosk_id: str, challenge: str) -> bytes:
    return f"congdan-fleet-challenge-v1\n{kiosk_id}\n{challenge}".encode("ascii")


def normalize_enrollment_code(text: str) -> str:
    """Codes are shown as XXXX-XXXX-XXXX and may arrive typed in lower case, spaced, or as the QR text."""
    text = text.strip().upper()
    if text.startswith(ENROLLMENT_QR_PREFIX):
        text = text[len(ENROLLMENT_QR_PREFIX) :]
    return "".join(ch for ch in text if ch not in " -")


# --- device-side schemas ------------------------------------------------------------------------------------
_B64URL_KEY = validate.Regexp(r"^[A-Za-z0-9_-]{43}$", error="A raw Ed25519 public key, unpadded base64url.")
_B64URL_SIG = validate.Regexp(r"^[A-Za-z0-9_-]{86}$", error="An Ed25519 signature, unpadded base64url.")
_KIOSK_ID = validate.Regexp(KIOSK_ID_PATTERN, error="A kiosk id looks like KSK-0123ABCD.")
_SHORT_TEXT = validate.Length(max=200)


class EnrollSchema(BaseSchema):
    code = fields.String(required=True, validate=validate.Length(min=12, max=40))
    public_key = fields.String(required=True, validate=_B64URL_KEY)
    proof = fields.String(
        required=True,
        validate=_B64URL_SIG,
        metadata={"description": "Signature of enrollment_proof_input(code, public_key)"},
    )
    serial_number = fields.String(load_default=None, validate=validate.Length(max=64))
    app_version = fields.String(load_default=None, validate=validate.Length(max=32))


class EnrolledSchema(BaseSchema):
    kiosk_id = fields.String()
    hospital_code = fields.String()
    location_label = fields.String()
    heartbeat_interval_s = fields.Integer()
    signing_keys = fields.Dict(metadata={"description": "JWKS of the keys that sign configuration and commands"})


class ChallengeRequestSchema(BaseSchema):
    kiosk_id = fields.String(required=True, validate=_KIOSK_ID)


class ChallengeSchema(BaseSchema):
    challenge = fields.String()
    expires_in = fields.Integer()


class DeviceTokenRequestSchema(BaseSchema):
    kiosk_id = fields.String(required=True, validate=_KIOSK_ID)
    challenge = fields.String(required=True, validate=validate.Length(min=16, max=64))
    signature = fields.String(required=True, validate=_B64URL_SIG)


class DeviceTokenSchema(BaseSchema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class Record(fields.Field):
    """A small JSON object of fixed members, each loaded by its own marshmallow field: what `Nested(Schema)`
    checks (the same field rules and messages, every member required or defaulted, unknown names refused),
    without a whole schema load per object. A heartbeat carries one for its devices and one per scan method
    and check-in step; a nested schema load each was half of a heartbeat's validation CPU (issue 21).
    `check(loaded)` may raise a ValidationError for rules across members."""

    default_error_messages = {"invalid": "Not a valid mapping type.", "unknown": "Unknown field."}

    def __init__(self, members: dict[str, fields.Field], *, check=None, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("type", "object")
        kwargs["metadata"].setdefault("additionalProperties", False)
        kwargs["metadata"].setdefault("properties", {name: _member_doc(member) for name, member in members.items()})
        kwargs["metadata"].setdefault("required", [n for n, m in members.items() if m.required])
        super().__init__(**kwargs)
        self.members, self.check = members, check
        for name, member in members.items():
            member._bind_to_schema(name, self)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        errors, loaded = {}, {}
        for name in value.keys() - self.members.keys():
            errors[name] = [self.error_messages["unknown"]]
        for name, member in self.members.items():
            raw = value.get(name, missing)
            try:
                result = member.deserialize(raw, name, value)
            except ValidationError as error:
                errors[name] = error.messages
                continue
            if raw is not missing or result is not missing:
                loaded[name] = result
        if errors:
            raise ValidationError(errors)
        if self.check is not None:
            self.check(loaded)
        return loaded


def _member_doc(member: fields.Field) -> dict:
    """The OpenAPI description of a Record member (Records are not schemas, so apispec does not see them)."""
    kind = {fields.Integer: "integer", fields.String: "string", fields.Boolean: "boolean"}.get(type(member))
    doc = {"type": kind} if kind else {}
    for validator in member.validators:
        if isinstance(validator, validate.OneOf):
            doc["enum"] = list(validator.choices)
        elif isinstance(validator, validate.Range):
            if validator.min is not None:
                doc["minimum"] = validator.min
            if validator.max is not None:
                doc["maximum"] = validator.max
    return doc


def _not_more_successes(loaded: dict) -> None:
    if loaded["succeeded"] > loaded["attempted"]:
        raise ValidationError({"succeeded": ["succeeded cannot exceed attempted"]})


def _device_state() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(DEVICE_STATES))


def _count(maximum: int) -> fields.Integer:
    return fields.Integer(required=True, validate=validate.Range(min=0, max=maximum))


def devices_field(**kwargs) -> Record:
    return Record({"card_reader": _device_state(), "camera": _device_state(), "printer": _device_state()}, **kwargs)


def scan_count_field() -> Record:
    return Record({"attempted": _count(100_000), "succeeded": _count(100_000)}, check=_not_more_successes)


def step_time_field() -> Record:
    return Record({"count": _count(100_000), "total_ms": _count(10**10)})


class JobMetricsSchema(BaseSchema):
    """Counts since the previous accepted heartbeat (the agent keeps them until one is accepted)."""

    scans = fields.Dict(
        keys=fields.String(validate=validate.OneOf(SCAN_METHODS)),
        values=scan_count_field(),
        load_default=dict,
    )
    checkins_completed = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))
    step_ms = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CHECKIN_STEPS)),
        values=step_time_field(),
        load_default=dict,
    )


class HeartbeatSchema(QuickLoad, BaseSchema):
    """Loaded 333 times a second by a fleet of 5,000: plainly valid heartbeats take a quick path with exactly
    marshmallow's answers (shared_schemas/quick_load.py); anything else is loaded by marshmallow itself."""

    app_version = fields.String(required=True, validate=validate.Length(min=1, max=32))
    # Bounded to what the columns hold (32-bit INTEGER on PostgreSQL): ten years of uptime is plenty.
    uptime_s = fields.Integer(required=True, validate=validate.Range(min=0, max=10 * 366 * 86_400))
    config_version = fields.Integer(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "The profile version applied; null before the first"},
    )
    locked = fields.Boolean(load_default=False)
    devices = devices_field(required=True)
    paper_low = fields.Boolean(load_default=False)
    outbox_backlog = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10**7))
    last_error = fields.String(load_default=None, allow_none=True, validate=_SHORT_TEXT)
    metrics = fields.Nested(JobMetricsSchema, load_default=dict)


class DeliveredCommandSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    token = fields.String(metadata={"description": "The command, signed by the backend (JWS)"})


class HeartbeatReplySchema(BaseSchema):
    server_time = fields.AwareDateTime()
    heartbeat_interval_s = fields.Integer()
    configuration = fields.String(
        allow_none=True, metadata={"description": "Signed profile (JWS), when the kiosk runs another version"}
    )
    commands = fields.List(fields.Nested(DeliveredCommandSchema))


class CommandResultSchema(BaseSchema):
    status = fields.String(required=True, validate=validate.OneOf(("succeeded", "failed")))
    detail = fields.String(load_default="", validate=validate.Length(max=2000))


# --- fleet-admin schemas ------------------------------------------------------------------------------------
class EnrollmentCodeCreateSchema(BaseSchema):
    hospital_code = fields.String(required=True, validate=validate.Length(min=2, max=20))
    location_label = fields.String(required=True, validate=validate.Length(min=1, max=100))
    valid_hours = fields.Integer(load_default=24, validate=validate.Range(min=1, max=168))


class EnrollmentCodeSchema(BaseSchema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "Shown once, at creation"})
    code_hint = fields.String()
    qr_text = fields.String()
    hospital_code = fields.String()
    location_label = fields.String()
    expires_at = fields.AwareDateTime()
    used_at = fields.AwareDateTime(allow_none=True)
    kiosk_id = fields.String(allow_none=True)
    state = fields.String()


class FleetKioskQuerySchema(BaseSchema):
    hospital_code = fields.String(load_default=None, validate=validate.Length(max=20))
    connectivity = fields.String(load_default=None, validate=validate.OneOf(CONNECTIVITY))


class FleetKioskSchema(BaseSchema):
    id = fields.String()
    hospital_code = fields.String()
    location_label = fields.String()
    status = fields.String()
    connectivity = fields.String()
    last_seen_at = fields.AwareDateTime(allow_none=True)
    app_version = fields.String(allow_none=True)
    uptime_s = fields.Integer(allow_none=True)
    devices = fields.Dict(allow_none=True)
    paper_low = fields.Boolean()
    outbox_backlog = fields.Integer()
    last_error = fields.String(allow_none=True)
    locked = fields.Boolean()
    config_version = fields.Integer(allow_none=True, metadata={"description": "The version the kiosk runs"})
    assigned_config_version = fields.Integer()
    enrolled_at = fields.AwareDateTime()
    vitals_age_s = fields.Integer(allow_none=True, metadata={"description": "Seconds since the last heartbeat"})
    vitals_stale = fields.Boolean(metadata={"description": "The kiosk is offline: its vitals are its last known"})
    down_since = fields.AwareDateTime(allow_none=True)
    down_reason = fields.String(allow_none=True)


class FleetKioskStatusSchema(BaseSchema):
    status = fields.String(required=True, validate=validate.OneOf(KIOSK_STATUSES))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=200))


class FleetCommandCreateSchema(BaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf(COMMAND_KINDS))
    message = fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "lock: the text on the out-of-service screen"},
    )


class FleetCommandSchema(BaseSchema):
    id = fields.Integer()
    kiosk_id = fields.String()
    kind = fields.String()
    params = fields.Dict()
    state = fields.String()
    created_at = fields.AwareDateTime()
    delivered_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    result = fields.String(allow_none=True)


class FleetSettingsSchema(BaseSchema):
    """A configuration profile's settings; every field is required so a profile is complete on its own."""

    idle_timeout_s = fields.Integer(required=True, validate=validate.Range(min=15, max=600))
    languages = fields.List(
        fields.String(validate=validate.OneOf(LANGUAGES)),
        required=True,
        validate=validate.Length(min=1, max=len(LANGUAGES)),
    )
    departments = fields.List(
        fields.String(validate=validate.Length(min=1, max=20)),
        required=True,
        validate=validate.Length(max=60),
        metadata={"description": "Department codes shown; empty = all open ones"},
    )
    heartbeat_interval_s = fields.Integer(required=True, validate=validate.Range(min=5, max=600))
    printer = fields.Dict(
        keys=fields.String(validate=validate.OneOf(("copies", "paper_width_mm", "cut"))),
        values=fields.Raw(),
        required=True,
    )


class FleetProfileCreateSchema(BaseSchema):
    hospital_code = fields.String(load_default=None, validate=validate.Length(min=2, max=20))
    kiosk_id = fields.String(load_default=None, validate=_KIOSK_ID)
    settings = fields.Nested(FleetSettingsSchema, required=True)

    @validates_schema
    def _one_target(self, data, **_):
        if (data.get("hospital_code") is None) == (data.get("kiosk_id") is None):
            raise ValidationError("Give exactly one of hospital_code or kiosk_id.", "hospital_code")


class FleetProfileQuerySchema(BaseSchema):
    hospital_code = fields.String(load_default=None, validate=validate.Length(max=20))
    kiosk_id = fields.String(load_default=None, validate=_KIOSK_ID)


class FleetProfileSchema(BaseSchema):
    version = fields.Integer(attribute="id")
    hospital_code = fields.String(allow_none=True)
    kiosk_id = fields.String(allow_none=True)
    settings = fields.Dict()
    created_at = fields.AwareDateTime()


class FleetAlertQuerySchema(BaseSchema):
    state = fields.String(load_default="open", validate=validate.OneOf(("open", "resolved", "all")))
    hospital_code = fields.String(load_default=None, validate=validate.Length(max=20))


class FleetAlertSchema(BaseSchema):
    id = fields.Integer()
    kiosk_id = fields.String()
    hospital_code = fields.String()
    kind = fields.String()
    severity = fields.String()
    detail = fields.String()
    opened_at = fields.AwareDateTime()
    resolved_at = fields.AwareDateTime(allow_none=True)
    state = fields.String(metadata={"description": "open, acknowledged or resolved"})
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "What was done, given when resolving"})


class FleetAlertResolveSchema(BaseSchema):
    note = fields.String(required=True, validate=validate.Length(min=3, max=500))


class HospitalCountsSchema(BaseSchema):
    hospital_code = fields.String()
    hospital_name = fields.String()
    total = fields.Integer()
    online = fields.Integer()
    offline = fields.Integer()
    never_seen = fields.Integer()
    suspended = fields.Integer()
    open_alerts = fields.Integer()


class FleetMetricPointSchema(BaseSchema):
    start = fields.AwareDateTime()
    resolution = fields.String()
    scans_attempted = fields.Integer()
    scans_succeeded = fields.Integer()
    checkins_completed = fields.Integer()
    mean_checkin_ms = fields.Integer(allow_none=True)


class FleetMetricQuerySchema(BaseSchema):
    hours = fields.Integer(load_default=24, validate=validate.Range(min=1, max=24 * 90))
