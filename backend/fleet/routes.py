"""Fleet API: enrollment and device authentication, signed heartbeats and command results (kiosks), and
the fleet-admin endpoints (kiosks, enrollment codes, commands, configuration profiles, alerts)."""

from __future__ import annotations

import functools

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import FLEET_ADMIN, access, current_principal, public
from backend.core.unit_of_work import keep_when_refused
from backend.errors import NotFound
from backend.extensions import db, limiter
from backend.fleet import commands, device, device_tokens, enrollment, kiosks, monitoring, profiles
from backend.fleet.keys import fleet_keys
from backend.fleet.telemetry_buffer import TelemetryBuffer
from shared_schemas import fleet as contract
from shared_schemas.fleet import (
    ChallengeRequestSchema,
    ChallengeSchema,
    CommandResultSchema,
    DeviceTokenRequestSchema,
    DeviceTokenSchema,
    EnrolledSchema,
    EnrollmentCodeCreateSchema,
    EnrollmentCodeSchema,
    EnrollSchema,
    FleetAlertQuerySchema,
    FleetAlertResolveSchema,
    FleetAlertSchema,
    FleetCommandCreateSchema,
    FleetCommandSchema,
    FleetKioskQuerySchema,
    FleetKioskSchema,
    FleetKioskStatusSchema,
    FleetMetricPointSchema,
    FleetMetricQuerySchema,
    FleetProfileCreateSchema,
    FleetProfileQuerySchema,
    FleetProfileSchema,
    HeartbeatReplySchema,
    HeartbeatSchema,
    HospitalCountsSchema,
)
from shared_schemas.signed import JwksSchema

blp = Blueprint("fleet", __name__, url_prefix="/fleet", description="Kiosk fleet administration")
_THROTTLE = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])


def _kiosk_and_address() -> str:
    body = request.get_json(silent=True)
    kiosk_id = body.get("kiosk_id") if isinstance(body, dict) else None
    return f"fleet-challenge:{str(kiosk_id)[:16]}|{request.remote_addr}"


# Challenges cost nothing to hold (they are stateless), but one address asking for one kiosk's is bounded too.
_CHALLENGE_BOUND = limiter.limit(lambda: current_app.config["FLEET_CHALLENGE_LIMIT"], key_func=_kiosk_and_address)


def _environ_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


_ENVIRON_KIOSK = _environ_key(contract.HEADER_KIOSK)
_ENVIRON_TIMESTAMP = _environ_key(contract.HEADER_TIMESTAMP)
_ENVIRON_NONCE = _environ_key(contract.HEADER_NONCE)
_ENVIRON_SIGNATURE = _environ_key(contract.HEADER_SIGNATURE)


def device_signed(view):
    """The request must be signed by an enrolled, active kiosk (checked before the body is parsed).
    No bearer token is involved, so for the token-based access rules the route counts as public."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        current = request._get_current_object()
        environ = current.environ  # the headers as WSGI keeps them: what request.headers.get reads, less its work
        signed = device.SignedRequest(
            method=current.method,
            path=current.path,
            body=current.get_data(cache=True),
            kiosk_id=environ.get(_ENVIRON_KIOSK),
            timestamp=environ.get(_ENVIRON_TIMESTAMP),
            nonce=environ.get(_ENVIRON_NONCE),
            signature=environ.get(_ENVIRON_SIGNATURE),
        )
        g.fleet_kiosk = device.authenticate_request(session=db.session, request=signed, now=clock.now())
        return view(*args, **kwargs)

    # No bearer token (the kiosk's Ed25519 signature headers instead); one unit of work, like every route.
    return public(guarded)


# --- kiosks (device side) -------------------------------------------------------------------------------
@blp.route("/enroll")
class Enroll(MethodView):
    decorators = [_THROTTLE]

    @public
    @blp.arguments(EnrollSchema)
    @blp.response(201, EnrolledSchema)
    def post(self, data):
        """A new kiosk spends an enrollment code and registers its Ed25519 public key"""
        kiosk = enrollment.enroll(session=db.session, now=clock.now(), **data)
        _version, settings = profiles.effective_profile(db.session, kiosk.id, kiosk.hospital_code)
        return {
            "kiosk_id": kiosk.id,
            "hospital_code": kiosk.hospital_code,
            "location_label": kiosk.location_label,
            "heartbeat_interval_s": settings["heartbeat_interval_s"],
            "signing_keys": fleet_keys().jwks(),
        }


@blp.route("/keys")
class SigningKeys(MethodView):
    @public
    @blp.response(200, JwksSchema)
    def get(self):
        """The JWKS of the key that signs kiosk configuration and commands"""
        return fleet_keys().jwks()


@blp.route("/device/challenge")
class Challenge(MethodView):
    decorators = [_THROTTLE, _CHALLENGE_BOUND]

    @public
    @blp.arguments(ChallengeRequestSchema)
    @blp.response(200, ChallengeSchema)
    def post(self, data):
        """A one-time challenge for the kiosk to sign"""
        challenge = device_tokens.issue_challenge(session=db.session, kiosk_id=data["kiosk_id"], now=clock.now())
        return {"challenge": challenge, "expires_in": current_app.config.get("FLEET_CHALLENGE_TTL_S", 120)}


@blp.route("/device/token")
class DeviceToken(MethodView):
    decorators = [_THROTTLE]

    @public
    @blp.arguments(DeviceTokenRequestSchema)
    @blp.response(200, DeviceTokenSchema)
    def post(self, data):
        """A short-lived access token (role kiosk, scoped to the kiosk's hospital) for a signed challenge"""
        keep_when_refused(db.session)  # a spent challenge stays spent, even when refused
        token, expires_in = device_tokens.issue_device_token(session=db.session, now=clock.now(), **data)
        return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


@blp.route("/device/heartbeat")
class Heartbeat(MethodView):
    @device_signed
    @blp.arguments(HeartbeatSchema())  # an instance: a class would be instantiated (5 schemas deep) per request
    @blp.response(200, HeartbeatReplySchema)
    def post(self, data):
        """Vitals and job metrics; the reply carries signed configuration and queued commands"""
        return device.record_heartbeat(
            session=db.session, kiosk=g.fleet_kiosk, heartbeat=data, now=clock.now(), buffer=TelemetryBuffer.of_app()
        )


@blp.route("/device/commands/<string:command_id>/result")
class CommandResult(MethodView):
    @device_signed
    @blp.arguments(CommandResultSchema)
    @blp.response(200, FleetCommandSchema)
    def post(self, data, command_id):
        """Acknowledge a command with its result"""
        # A string in the URL so that an unsigned call is refused (401) before the id is even looked at.
        if not command_id.isdigit() or len(command_id) > 12:
            raise NotFound("No such command.")
        command = device.record_command_result(
            session=db.session, kiosk=g.fleet_kiosk, command_id=int(command_id), now=clock.now(), **data
        )
        return command


# --- fleet admins ---------------------------------------------------------------------------------------
@blp.route("/overview")
class Overview(MethodView):
    @access(FLEET_ADMIN)
    @blp.response(200, HospitalCountsSchema(many=True))
    def get(self):
        """Kiosk status counts per hospital"""
        return monitoring.fleet_overview(session=db.session, principal=current_principal(), now=clock.now())


@blp.route("/enrollment-codes")
class EnrollmentCodes(MethodView):
    @access(FLEET_ADMIN)
    @blp.response(200, EnrollmentCodeSchema(many=True))
    def get(self):
        """Recent enrollment codes (the codes themselves are shown only once)"""
        return enrollment.list_enrollment_codes(session=db.session, principal=current_principal(), now=clock.now())

    @access(FLEET_ADMIN)
    @blp.arguments(EnrollmentCodeCreateSchema)
    @blp.response(201, EnrollmentCodeSchema)
    def post(self, data):
        """Create a single-use, expiring enrollment code for a hospital and a location"""
        record, code = enrollment.create_enrollment_code(
            session=db.session, principal=current_principal(), now=clock.now(), **data
        )
        return enrollment.CodeView(record, "active", code)


@blp.route("/kiosks")
class Kiosks(MethodView):
    @access(FLEET_ADMIN)
    @blp.arguments(FleetKioskQuerySchema, location="query")
    @blp.response(200, FleetKioskSchema(many=True))
    def get(self, query):
        """Kiosks, optionally of one hospital or with one connectivity (online, offline, never_seen)"""
        return kiosks.list_kiosks(
            session=db.session,
            principal=current_principal(),
            now=clock.now(),
            hospital_code=query["hospital_code"],
            connectivity_filter=query["connectivity"],
        )


@blp.route("/kiosks/<string:kiosk_id>")
class KioskDetail(MethodView):
    @access(FLEET_ADMIN)
    @blp.response(200, FleetKioskSchema)
    def get(self, kiosk_id):
        """One kiosk's last vitals and configuration versions"""
        return kiosks.kiosk_view(session=db.session, principal=current_principal(), kiosk_id=kiosk_id, now=clock.now())


@blp.route("/kiosks/<string:kiosk_id>/status")
class KioskStatus(MethodView):
    @access(FLEET_ADMIN)
    @blp.arguments(FleetKioskStatusSchema)
    @blp.response(200, FleetKioskSchema)
    def put(self, data, kiosk_id):
        """Suspend, reactivate or decommission a kiosk (suspension refuses its requests at once)"""
        return kiosks.change_status(
            session=db.session, principal=current_principal(), kiosk_id=kiosk_id, now=clock.now(), **data
        )


@blp.route("/kiosks/<string:kiosk_id>/commands")
class KioskCommands(MethodView):
    @access(FLEET_ADMIN)
    @blp.response(200, FleetCommandSchema(many=True))
    def get(self, kiosk_id):
        """A kiosk's recent commands and their results"""
        return commands.list_commands(session=db.session, principal=current_principal(), kiosk_id=kiosk_id)

    @access(FLEET_ADMIN)
    @blp.arguments(FleetCommandCreateSchema)
    @blp.response(201, FleetCommandSchema)
    def post(self, data, kiosk_id):
        """Queue a command; it goes out with the kiosk's next heartbeat reply"""
        return commands.queue_command(
            session=db.session, principal=current_principal(), kiosk_id=kiosk_id, now=clock.now(), **data
        )


@blp.route("/kiosks/<string:kiosk_id>/metrics")
class KioskMetrics(MethodView):
    @access(FLEET_ADMIN)
    @blp.arguments(FleetMetricQuerySchema, location="query")
    @blp.response(200, FleetMetricPointSchema(many=True))
    def get(self, query, kiosk_id):
        """Job metrics per hour: scans attempted and read, check-ins, mean check-in time"""
        return monitoring.metric_series(
            session=db.session,
            principal=current_principal(),
            kiosk_id=kiosk_id,
            hours=query["hours"],
            now=clock.now(),
        )


@blp.route("/profiles")
class Profiles(MethodView):
    @access(FLEET_ADMIN)
    @blp.arguments(FleetProfileQuerySchema, location="query")
    @blp.response(200, FleetProfileSchema(many=True))
    def get(self, query):
        """Configuration profile versions, newest first"""
        return profiles.list_profiles(session=db.session, principal=current_principal(), **query)

    @access(FLEET_ADMIN)
    @blp.arguments(FleetProfileCreateSchema)
    @blp.response(201, FleetProfileSchema)
    def post(self, data):
        """A new profile version for a hospital or one kiosk"""
        return profiles.create_profile(session=db.session, principal=current_principal(), now=clock.now(), **data)


@blp.route("/alerts")
class Alerts(MethodView):
    @access(FLEET_ADMIN)
    @blp.arguments(FleetAlertQuerySchema, location="query")
    @blp.response(200, FleetAlertSchema(many=True))
    def get(self, query):
        """Alerts: offline kiosks, printers out of paper, read-success rate dropping"""
        return monitoring.list_alerts(session=db.session, principal=current_principal(), now=clock.now(), **query)


@blp.route("/alerts/<int:alert_id>/acknowledge")
class AlertAcknowledge(MethodView):
    @access(FLEET_ADMIN)
    @blp.response(200, FleetAlertSchema)
    def post(self, alert_id):
        """Take an open alert: it stays open, showing who is on it and since when"""
        return monitoring.acknowledge_alert(
            session=db.session, principal=current_principal(), alert_id=alert_id, now=clock.now()
        )


@blp.route("/alerts/<int:alert_id>/resolve")
class AlertResolve(MethodView):
    @access(FLEET_ADMIN)
    @blp.arguments(FleetAlertResolveSchema)
    @blp.response(200, FleetAlertSchema)
    def post(self, data, alert_id):
        """Close an alert with a note saying what was done (who and when are recorded)"""
        return monitoring.resolve_alert(
            session=db.session, principal=current_principal(), alert_id=alert_id, now=clock.now(), **data
        )
