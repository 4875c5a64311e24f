"""Hospital endpoints: the public directory, kiosk provisioning and check-in, queue tickets, the staff
queue, and the citizen's consent receipts."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import (
    CITIZEN,
    HOSPITAL_STAFF,
    KIOSK,
    access,
    current_principal,
    public,
)
from backend.extensions import db, limiter
from backend.health import checkin, consents, hospitals, kiosks, queue, tickets
from shared_schemas.base import IdempotencyHeaderSchema, RequiredIdempotencyHeaderSchema
from shared_schemas.health import (
    CheckinCreateSchema,
    CheckinSchema,
    ConsentSchema,
    DepartmentSchema,
    HospitalSchema,
    KioskCreateSchema,
    KioskSchema,
    QueueQuerySchema,
    QueueSchema,
    TicketCreateSchema,
    TicketSchema,
)

# "hospital_checkin", not "health": the liveness probe is backend/probes.py (/healthz).
blp = Blueprint("hospital_checkin", __name__, url_prefix="/", description="Hospitals, check-in kiosks and queues")


def _not_typed() -> bool:
    body = request.get_json(silent=True)
    proof = body.get("identification") if isinstance(body, dict) else None
    return not (isinstance(proof, dict) and proof.get("method") == "id_and_dob")


def _kiosk_key() -> str:
    """Typed ID + date of birth proves nothing, so each kiosk gets only a few: counted per kiosk account."""
    verify_jwt_in_request()
    claims = get_jwt()
    return f"typed-checkin:{claims.get('sub')}:{claims.get('scope')}"


@blp.route("/health/hospitals")
class Hospitals(MethodView):
    @public
    @blp.response(200, HospitalSchema(many=True))
    def get(self):
        """Hospitals that take check-ins"""
        return hospitals.list_hospitals(session=db.session)


@blp.route("/health/hospitals/<string:hospital_code>/departments")
class Departments(MethodView):
    @public
    @blp.response(200, DepartmentSchema(many=True))
    def get(self, hospital_code):
        """A hospital's departments and clinics, their opening hours and whether they are open now"""
        return hospitals.list_departments(session=db.session, hospital_code=hospital_code, now=clock.now())


@blp.route("/health/kiosks")
class Kiosks(MethodView):
    @access(HOSPITAL_STAFF)
    @blp.arguments(KioskCreateSchema)
    @blp.response(201, KioskSchema)
    def post(self, data):
        """Provision a check-in kiosk account for my hospital, with its own offline number block"""
        return kiosks.register_kiosk(session=db.session, principal=current_principal(), **data)


@blp.route("/health/kiosks/me")
class OwnKiosk(MethodView):
    @access(KIOSK)
    @blp.response(200, KioskSchema)
    def get(self):
        """This kiosk: its hospital and the provisional numbers it may issue while offline"""
        return kiosks.kiosk_profile(session=db.session, principal=current_principal())


@blp.route("/health/checkins")
class Checkins(MethodView):
    decorators = [
        limiter.limit(
            lambda: current_app.config["TYPED_CHECKIN_LIMIT_PER_KIOSK"], key_func=_kiosk_key, exempt_when=_not_typed
        )
    ]

    @access(KIOSK)
    # Instances, not classes: webargs would instantiate a class (and its nested schemas) on every request.
    @blp.arguments(IdempotencyHeaderSchema(), location="headers", as_kwargs=True)
    @blp.arguments(CheckinCreateSchema())
    @blp.response(201, CheckinSchema)
    def post(self, data, idempotency_key=None):
        """Check in a patient identified at this kiosk. The server verifies the evidence itself (chip read,
        signed QR) and records the trust level; masked identity, insurance and coverage (audited; a consent
        receipt only when the server verified the patient was there)"""
        return checkin.create_checkin(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )


@blp.route("/health/checkins/<string:checkin_id>/tickets")
class CheckinTickets(MethodView):
    @access(KIOSK)
    @blp.arguments(RequiredIdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(TicketCreateSchema)
    @blp.response(201, TicketSchema)
    @blp.alt_response(200, schema=TicketSchema, description="The patient already had this ticket today")
    def post(self, data, checkin_id, idempotency_key):
        """Issue the queue ticket for the chosen department (sequential per department per day; the
        patient's existing ticket when they already have one; offline kiosks send their provisional number)"""
        result = tickets.issue_ticket(
            session=db.session,
            principal=current_principal(),
            checkin_id=checkin_id,
            idempotency_key=idempotency_key,
            **data,
        )
        return result, 200 if result.existing else 201


@blp.route("/health/queues/<string:department_code>")
class Queue(MethodView):
    @access(HOSPITAL_STAFF)
    @blp.arguments(QueueQuerySchema, location="query")
    @blp.response(200, QueueSchema)
    def get(self, query, department_code):
        """My department's queue for the day, in arrival order (audited)"""
        return queue.queue_view(
            session=db.session, principal=current_principal(), department_code=department_code, on=query["date"]
        )


@blp.route("/health/queues/<string:department_code>/call")
class CallNext(MethodView):
    @access(HOSPITAL_STAFF)
    @blp.response(200, TicketSchema)
    def post(self, department_code):
        """Call the next waiting patient of my department (audited)"""
        return queue.call_next(session=db.session, principal=current_principal(), department_code=department_code)


@blp.route("/me/consents")
class OwnConsents(MethodView):
    @access(CITIZEN, level=1)
    @blp.response(200, ConsentSchema(many=True))
    def get(self):
        """What I agreed to share, with whom and until when (shown next to my access log)"""
        return consents.list_consents(session=db.session, principal=current_principal())


@blp.route("/me/consents/<string:consent_id>/revoke")
class RevokeConsent(MethodView):
    @access(CITIZEN, level=1)
    @blp.response(200, ConsentSchema)
    def post(self, consent_id):
        """Revoke a consent for the future (what was already shared stays in the access log)"""
        return consents.revoke_consent(session=db.session, principal=current_principal(), consent_id=consent_id)
