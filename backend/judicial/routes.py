"""Judicial-record endpoints: officers record convictions, work the queue, compile and issue certificates;
citizens request certificates and follow them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import CITIZEN, OFFICER, access, current_principal
from backend.extensions import db
from backend.judicial import service
from shared_schemas.base import RequiredIdempotencyHeaderSchema
from shared_schemas.judicial import (
    CertificateCompilationSchema,
    CertificateQueueEntrySchema,
    CertificateRequestCreateSchema,
    CertificateRequestSchema,
    ConvictionCreateSchema,
    ConvictionSchema,
    FeeClaimDecisionSchema,
)

blp = Blueprint("judicial", __name__, url_prefix="/judicial", description="Criminal-record certificates")


@blp.route("/convictions")
class Convictions(MethodView):
    @access(OFFICER)
    @blp.arguments(ConvictionCreateSchema)
    @blp.response(201, ConvictionSchema)
    def post(self, data):
        """Record a court's judgment against a person in my jurisdiction (audited)"""
        return service.record_conviction(session=db.session, principal=current_principal(), data=dict(data))


@blp.route("/requests")
class Requests(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(RequiredIdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(CertificateRequestCreateSchema)
    @blp.response(201, CertificateRequestSchema)
    def post(self, data, idempotency_key):
        """Request certificate No. 1 or No. 2 about myself; pay the fee (if any) with a payment intent"""
        return service.request_certificate(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )


@blp.route("/requests/mine")
class OwnRequests(MethodView):
    @access(CITIZEN, level=1)
    @blp.response(200, CertificateRequestSchema(many=True))
    def get(self):
        """My certificate requests, newest first"""
        return service.list_own(session=db.session, principal=current_principal())


@blp.route("/requests/<string:number>")
class Request(MethodView):
    @access(CITIZEN, OFFICER, level=1)
    @blp.response(200, CertificateRequestSchema)
    def get(self, number):
        """One request: mine, or (audited) one about a person in my jurisdiction"""
        return service.get_request(session=db.session, principal=current_principal(), number=number)


@blp.route("/queue")
class Queue(MethodView):
    @access(OFFICER)
    @blp.response(200, CertificateQueueEntrySchema(many=True))
    def get(self):
        """Paid requests about people in my jurisdiction, nearest legal deadline first"""
        return service.queue(session=db.session, principal=current_principal())


@blp.route("/requests/<string:number>/compilation")
class RequestCompilation(MethodView):
    @access(OFFICER)
    @blp.response(200, CertificateCompilationSchema)
    def get(self, number):
        """Preview what the certificate will show today (audited)"""
        return service.compile_certificate(
            session=db.session, principal=current_principal(), number=number, on=clock.today()
        )


@blp.route("/requests/<string:number>/issue")
class IssueCertificate(MethodView):
    @access(OFFICER)
    @blp.response(200, CertificateRequestSchema)
    def post(self, number):
        """Compile, sign and issue the certificate to the person (a signed PDF with QR)"""
        return service.issue_certificate(session=db.session, principal=current_principal(), number=number)


@blp.route("/fee-claims")
class FeeClaims(MethodView):
    @access(OFFICER)
    @blp.response(200, CertificateQueueEntrySchema(many=True))
    def get(self):
        """Unpaid requests whose fee exemption or reduction waits for my check (people in my jurisdiction)"""
        return service.fee_claims(session=db.session, principal=current_principal())


@blp.route("/requests/<string:number>/fee-claim")
class FeeClaimDecision(MethodView):
    @access(OFFICER)
    @blp.arguments(FeeClaimDecisionSchema)
    @blp.response(200, CertificateRequestSchema)
    def post(self, data, number):
        """Accept or refuse a claimed fee exemption/reduction after checking its evidence (audited)"""
        return service.decide_fee_claim(
            session=db.session,
            principal=current_principal(),
            number=number,
            accept=data["decision"] == "accept",
            evidence=data["evidence"],
        )
