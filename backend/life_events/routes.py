"""Life-event endpoints: hospital notifications, the citizen's linked applications and timeline, the head of
household's consent, officers' work queues and step decisions, revocation of a wrong death registration."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.access import CITIZEN, HOSPITAL_STAFF, OFFICER, access, current_principal
from backend.extensions import db
from backend.life_events import allowance, birth, chain, death, hospital, residence, revocation  # noqa: F401
from shared_schemas.base import IdempotencyHeaderSchema
from shared_schemas.life_events import (
    BirthApplicationSchema,
    BirthCertificateCreateSchema,
    DeathApplicationSchema,
    DeathNoticeCreateSchema,
    DeathRegistrationSchema,
    HospitalNotificationSchema,
    HouseholdConsentSchema,
    LifeEventApplicationSchema,
    PermanentResidenceApplicationSchema,
    RevocationSchema,
    StepDecisionSchema,
    StepSchema,
)

blp = Blueprint(
    "life_events",
    __name__,
    url_prefix="/life-events",
    description="Births and deaths: hospital notifications and the linked procedures",
)


@blp.route("/birth-certificates")
class BirthCertificates(MethodView):
    @access(HOSPITAL_STAFF)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(BirthCertificateCreateSchema)
    @blp.response(201, HospitalNotificationSchema)
    def post(self, data, idempotency_key=None):
        """Issue an electronic birth certificate (giấy chứng sinh); the mother holds it in the app"""
        return hospital.issue_birth_certificate(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )


@blp.route("/death-notices")
class DeathNotices(MethodView):
    @access(HOSPITAL_STAFF)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(DeathNoticeCreateSchema)
    @blp.response(201, HospitalNotificationSchema)
    def post(self, data, idempotency_key=None):
        """Issue an electronic death notice (giấy báo tử) to the relative present"""
        return hospital.issue_death_notice(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )


@blp.route("/applications")
class Applications(MethodView):
    @access(CITIZEN, level=2)
    @blp.response(200, LifeEventApplicationSchema(many=True))
    def get(self):
        """My linked applications with their steps and timeline"""
        return chain.list_own(session=db.session, principal=current_principal())


@blp.route("/births")
class Births(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(BirthApplicationSchema)
    @blp.response(201, LifeEventApplicationSchema)
    def post(self, data, idempotency_key=None):
        """Declare a birth once: birth registration, permanent residence and the child's BHYT card"""
        return birth.apply(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )


@blp.route("/deaths")
class Deaths(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(DeathApplicationSchema)
    @blp.response(201, LifeEventApplicationSchema)
    def post(self, data, idempotency_key=None):
        """Declare a relative's death once: death registration, residence deregistration, burial allowance"""
        return death.apply(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )


@blp.route("/permanent-residence")
class PermanentResidence(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(PermanentResidenceApplicationSchema)
    @blp.response(201, LifeEventApplicationSchema)
    def post(self, data, idempotency_key=None):
        """Apply for permanent residence in a household (the head consents; the commune police decide)"""
        return residence.apply(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )


@blp.route("/applications/<string:ref>")
class Application(MethodView):
    @access(CITIZEN, OFFICER, level=2)
    @blp.response(200, LifeEventApplicationSchema)
    def get(self, ref):
        """One application: its applicant, or an officer of one of its agencies covering it (audited)"""
        return chain.get_application(session=db.session, principal=current_principal(), public_id=ref)


@blp.route("/applications/<string:ref>/household-consent")
class HouseholdConsent(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(HouseholdConsentSchema)
    @blp.response(200, LifeEventApplicationSchema)
    def post(self, data, ref):
        """The head of the chosen household consents to the child's permanent residence, or refuses"""
        return birth.household_consent(
            session=db.session,
            principal=current_principal(),
            public_id=ref,
            decision=data["decision"],
            note=data.get("note"),
        )


@blp.route("/queue")
class Queue(MethodView):
    @access(OFFICER)
    @blp.response(200, StepSchema(many=True))
    def get(self):
        """Steps waiting for my agency in my jurisdiction, nearest deadline first"""
        return chain.queue(session=db.session, principal=current_principal())


@blp.route("/steps/<int:step_id>/decision")
class StepDecision(MethodView):
    @access(OFFICER)
    @blp.arguments(StepDecisionSchema)
    @blp.response(200, StepSchema)
    def post(self, data, step_id):
        """Approve a step (its work is done and the next step reaches its queue) or refuse it, saying why"""
        return chain.decide(
            session=db.session,
            principal=current_principal(),
            step_id=step_id,
            decision=data["decision"],
            reason=data.get("reason"),
            action=data.get("action"),
            consent_needed=birth.consent_needed,
        )


@blp.route("/death-registrations/<int:registration_id>/revoke")
class DeathRevocation(MethodView):
    @access(OFFICER)
    @blp.arguments(RevocationSchema)
    @blp.response(200, DeathRegistrationSchema)
    def post(self, data, registration_id):
        """Revoke a wrong death registration: everything its effects changed is restored"""
        return revocation.revoke(
            session=db.session,
            principal=current_principal(),
            registration_id=registration_id,
            reason=data["reason"],
        )
