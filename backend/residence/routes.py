"""Residence endpoints: applications (citizen, owner, officer), extension and deregistration, residence
confirmations and accommodation notices."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import ADMIN, CITIZEN, OFFICER, access, current_principal
from backend.documents.uploads import read_upload
from backend.extensions import db
from backend.registry.models import Citizen
from backend.residence import establishments, notices, read_models, registration, service
from shared_schemas.base import IdempotencyHeaderSchema
from shared_schemas.documents import SignedDocumentSchema
from shared_schemas.residence import (
    ApplicantLookupQuerySchema,
    ApplicantResidenceSchema,
    ApplicationCreateSchema,
    ApplicationSchema,
    ConfirmationRequestSchema,
    DeregistrationSchema,
    EstablishmentCreateSchema,
    EstablishmentSchema,
    ExtensionCreateSchema,
    NoticeCreateSchema,
    NoticeQuerySchema,
    NoticeSchema,
    OwnerConsentSchema,
    ResidenceAttachmentSchema,
    ResidenceAttachmentUploadSchema,
    ResidenceDecisionSchema,
    ResubmitSchema,
    TemporaryResidenceSchema,
    WorkQueueItemSchema,
)

blp = Blueprint("residence", __name__, url_prefix="/residence", description="Residence services")

ATTACHMENT_MAX_BYTES = 1024 * 1024


def _show(application):
    return read_models.application(db.session, application, now=clock.now(), viewer=current_principal())


def _show_all(applications):
    return read_models.applications(db.session, applications, now=clock.now(), viewer=current_principal())


@blp.route("/applications")
class Applications(MethodView):
    @access(CITIZEN, level=2)
    @blp.response(200, ApplicationSchema(many=True))
    def get(self):
        """My temporary-residence applications, newest first"""
        return _show_all(service.list_own(session=db.session, principal=current_principal()))

    @access(CITIZEN, level=2)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(ApplicationCreateSchema)
    @blp.response(201, ApplicationSchema)
    def post(self, data, idempotency_key=None):
        """Apply for temporary residence (send an Idempotency-Key header to retry safely)"""
        application = service.apply(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )
        return _show(application)


@blp.route("/applications/<int:application_id>")
class Application(MethodView):
    @access(CITIZEN, OFFICER, level=2)
    @blp.response(200, ApplicationSchema)
    def get(self, application_id):
        """An application: its applicant, the owner asked to consent, or a covering officer (audited)"""
        application = service.get_application(
            session=db.session, principal=current_principal(), application_id=application_id
        )
        return _show(application)


@blp.route("/applications/<int:application_id>/attachments")
class Attachments(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(ResidenceAttachmentUploadSchema, location="files")
    @blp.response(201, ResidenceAttachmentSchema)
    def post(self, files, application_id):
        """Attach a supporting document (multipart `file`: PDF, JPEG or PNG by content, at most 1 MiB)"""
        upload = read_upload(
            files["file"], field="file", allowed=service.ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES
        )
        attachment = service.add_attachment(
            session=db.session, principal=current_principal(), application_id=application_id, upload=upload
        )
        return attachment

    post.accepts_content_types = ("multipart/form-data",)


@blp.route("/applications/<int:application_id>/consent")
class Consent(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(OwnerConsentSchema)
    @blp.response(200, ApplicationSchema)
    def post(self, data, application_id):
        """The owner named in the application consents to the stay, or refuses"""
        application = service.consent(
            session=db.session,
            principal=current_principal(),
            application_id=application_id,
            decision=data["decision"],
            note=data.get("note"),
        )
        return _show(application)


@blp.route("/applications/<int:application_id>/withdraw")
class Withdraw(MethodView):
    @access(CITIZEN, level=2)
    @blp.response(200, ApplicationSchema)
    def post(self, application_id):
        """Withdraw my open application"""
        application = service.withdraw(session=db.session, principal=current_principal(), application_id=application_id)
        return _show(application)


@blp.route("/applications/<int:application_id>/resubmit")
class Resubmit(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(ResubmitSchema, required=False)  # every field has a default
    @blp.response(200, ApplicationSchema)
    def post(self, data, application_id):
        """Send my application back for review after adding the information asked for"""
        application = service.resubmit(
            session=db.session, principal=current_principal(), application_id=application_id, note=data.get("note")
        )
        return _show(application)


@blp.route("/applications/<int:application_id>/decision")
class Decision(MethodView):
    @access(OFFICER)
    @blp.arguments(ResidenceDecisionSchema)
    @blp.response(200, ApplicationSchema)
    def post(self, data, application_id):
        """Approve (updates the registry), reject with a reason, or ask for more information"""
        application = service.decide(
            session=db.session,
            principal=current_principal(),
            application_id=application_id,
            decision=data["decision"],
            reason=data.get("reason"),
        )
        return _show(application)


@blp.route("/applications/<int:application_id>/applicant-residence")
class ApplicantResidence(MethodView):
    @access(OFFICER)
    @blp.arguments(ApplicantLookupQuerySchema, location="query")
    @blp.response(200, ApplicantResidenceSchema)
    def get(self, query, application_id):
        """The applicant's residence information from the registry, instead of asking for papers (audited)"""
        citizen, history = service.applicant_residence(
            session=db.session, principal=current_principal(), application_id=application_id, purpose=query["purpose"]
        )
        return read_models.applicant_residence(db.session, citizen, history, on=clock.today())


@blp.route("/consent-requests")
class ConsentRequests(MethodView):
    @access(CITIZEN, level=2)
    @blp.response(200, ApplicationSchema(many=True))
    def get(self):
        """Applications waiting for my consent as owner"""
        return _show_all(service.consent_requests(session=db.session, principal=current_principal()))


@blp.route("/work-queue")
class WorkQueue(MethodView):
    @access(OFFICER)
    @blp.response(200, WorkQueueItemSchema(many=True))
    def get(self):
        """Applications under review in my jurisdiction, oldest first, with the legal deadline"""
        now = clock.now()
        rows = service.work_queue(session=db.session, principal=current_principal(), now=now)
        return [read_models.work_queue_item(db.session, a, c, now=now) for a, c in rows]


@blp.route("/temporary-residence/extensions")
class Extensions(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(ExtensionCreateSchema)
    @blp.response(201, ApplicationSchema)
    def post(self, data, idempotency_key=None):
        """Extend my temporary residence (within the 15 days before it ends)"""
        application = service.request_extension(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )
        return _show(application)


@blp.route("/temporary-residence/deregistration")
class Deregistration(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(DeregistrationSchema, required=False)  # every field has a default
    @blp.response(200, TemporaryResidenceSchema)
    def post(self, data):
        """Deregister my temporary residence"""
        ended = service.deregister(session=db.session, principal=current_principal(), reason=data["reason"])
        return read_models.temporary_residence(db.session, ended, on=clock.today())


@blp.route("/confirmations")
class Confirmations(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(ConfirmationRequestSchema, required=False)  # every field has a default
    @blp.response(201, SignedDocumentSchema)
    def post(self, data):
        """Issue my residence confirmation (replaces form CT07) as a signed document"""
        principal = current_principal()
        document = registration.issue_confirmation(
            session=db.session,
            citizen=db.session.get(Citizen, principal.citizen_id),
            include_history=data["include_history"],
            now=clock.now(),
        )
        return document


@blp.route("/accommodation-notices")
class AccommodationNotices(MethodView):
    @access(OFFICER)
    @blp.arguments(NoticeQuerySchema, location="query")
    @blp.response(200, NoticeSchema(many=True))
    def get(self, query):
        """Accommodation notices in my jurisdiction, latest arrivals first (audited for registered guests)"""
        found = notices.list_for_officer(
            session=db.session,
            principal=current_principal(),
            ward_code=query.get("ward_code"),
            arrival_on=query.get("arrival_on"),
            page=query["page"],
            per_page=query["per_page"],
            purpose=query["purpose"],
        )
        return found

    @access(CITIZEN, level=2)
    @blp.arguments(NoticeCreateSchema)
    @blp.response(201, NoticeSchema(many=True))
    def post(self, data):
        """Notify overnight guests (one, or a whole list for a hotel or homestay)"""
        created = notices.submit(session=db.session, principal=current_principal(), data=data)
        return created


@blp.route("/accommodation-establishments")
class AccommodationEstablishments(MethodView):
    @access(CITIZEN, level=2)
    @blp.response(200, EstablishmentSchema(many=True))
    def get(self):
        """The accommodation establishments I operate (their notices are mine to send)"""
        return establishments.operated_by(session=db.session, principal=current_principal())

    @access(OFFICER, ADMIN)
    @blp.arguments(EstablishmentCreateSchema)
    @blp.response(201, EstablishmentSchema)
    def post(self, data):
        """Register an accommodation establishment in my jurisdiction and the citizen account that operates it"""
        establishment = establishments.register(session=db.session, principal=current_principal(), data=data)
        return establishment
