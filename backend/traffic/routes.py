"""Traffic endpoints: the violation catalogue, officers recording and cancelling penalty decisions, citizens'
fines (with the surcharge on a given day) and licences, and officers' licence look-ups."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import CITIZEN, OFFICER, access, current_principal, public
from backend.extensions import db
from backend.traffic import catalogue, retest, service
from shared_schemas.base import RequiredIdempotencyHeaderSchema
from shared_schemas.traffic import (
    LicenceLookupQuerySchema,
    LicenceRetestSchema,
    LicenceSchema,
    PenaltyCancelSchema,
    PenaltyCreateSchema,
    PenaltySchema,
    TrafficOnDateQuerySchema,
    ViolationCatalogueQuerySchema,
    ViolationSchema,
)

blp = Blueprint("traffic", __name__, url_prefix="/traffic", description="Traffic fines and driving licences")


def present_violation(v: catalogue.Violation) -> dict:
    return {
        "code": v.code,
        "vehicle_class": v.vehicle_class,
        "description_vi": v.description_vi,
        "description_en": v.description_en,
        "legal_basis": v.legal_basis,
        "fine_min": v.fine.minimum,
        "fine_max": v.fine.maximum,
        "points": v.points,
        "suspension_months_min": v.suspension_months_min,
        "suspension_months_max": v.suspension_months_max,
        "effective_from": v.effective_from,
    }


def present_decision(decision, on) -> dict:
    violation = catalogue.find(decision.violation_code)
    body = {
        column: getattr(decision, column)
        for column in (
            "number",
            "violation_code",
            "detected_by",
            "occurred_at",
            "place",
            "plate",
            "fine_amount",
            "points_deducted",
            "suspension_months",
            "suspension_starts_on",
            "suspension_ends_on",
            "decided_at",
            "payment_deadline",
            "status",
            "paid_at",
            "paid_amount",
        )
    }
    body.update(
        description_vi=violation.description_vi,
        description_en=violation.description_en,
        legal_basis=violation.legal_basis,
        amount_due=None,
    )
    if decision.status == "unpaid":
        due = service.amount_due(decision, on)
        body["amount_due"] = {
            "on": due.on,
            "fine": due.fine,
            "days_late": due.days_late,
            "surcharge": due.surcharge,
            "total": due.total,
        }
    return body


def present_licence(state: service.LicenceState) -> dict:
    return {
        "number": state.licence.number,
        "licence_class": state.licence.licence_class,
        "holder_name": state.holder_name,
        "on": state.on,
        "status": state.status,
        "points": state.points,
        "suspended_from": state.suspended_from,
        "suspended_until": state.suspended_until,
        "expires_on": state.licence.expires_on,
        "retest_from": state.retest_from,
    }


@blp.route("/violations")
class Violations(MethodView):
    @public
    @blp.arguments(ViolationCatalogueQuerySchema, location="query")
    @blp.response(200, ViolationSchema(many=True))
    def get(self, query):
        """The violation catalogue: legal basis, fine range in đồng, points and suspension"""
        return [
            present_violation(v)
            for v in catalogue.catalogue().values()
            if query["vehicle_class"] in (None, v.vehicle_class)
        ]


@blp.route("/penalties")
class Penalties(MethodView):
    @access(OFFICER)
    @blp.arguments(RequiredIdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(PenaltyCreateSchema)
    @blp.response(201, PenaltySchema)
    def post(self, data, idempotency_key):
        """Record a violation in my jurisdiction and decide its penalty (camera: against the plate)"""
        decision = service.record_penalty(
            session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
        )

        return present_decision(decision, clock.today())


@blp.route("/penalties/mine")
class OwnPenalties(MethodView):
    @access(CITIZEN, level=1)
    @blp.arguments(TrafficOnDateQuerySchema, location="query")
    @blp.response(200, PenaltySchema(many=True))
    def get(self, query):
        """Fines on my ID number, vehicles and licences, with the surcharge accrued on `on` (default today)"""
        on = query["on"] or clock.today()
        return [present_decision(d, on) for d in service.list_own(session=db.session, principal=current_principal())]


@blp.route("/penalties/<string:number>")
class Penalty(MethodView):
    @access(CITIZEN, OFFICER, level=1)
    @blp.arguments(TrafficOnDateQuerySchema, location="query")
    @blp.response(200, PenaltySchema)
    def get(self, query, number):
        """One penalty decision: mine, or in my jurisdiction as an officer (audited)"""
        decision = service.get_decision(session=db.session, principal=current_principal(), number=number)
        return present_decision(decision, query["on"] or clock.today())


@blp.route("/penalties/<string:number>/cancel")
class CancelPenalty(MethodView):
    @access(OFFICER)
    @blp.arguments(PenaltyCancelSchema)
    @blp.response(200, PenaltySchema)
    def post(self, data, number):
        """Cancel an unpaid decision in my jurisdiction; its points and suspension lapse"""
        decision = service.cancel_decision(
            session=db.session, principal=current_principal(), number=number, reason=data["reason"]
        )

        return present_decision(decision, clock.today())


@blp.route("/licences/mine")
class OwnLicences(MethodView):
    @access(CITIZEN, level=1)
    @blp.arguments(TrafficOnDateQuerySchema, location="query")
    @blp.response(200, LicenceSchema(many=True))
    def get(self, query):
        """My driving licences: status, points and any suspension on `on` (default today)"""
        states = service.own_licences(
            session=db.session, principal=current_principal(), on=query["on"] or clock.today()
        )
        return [present_licence(s) for s in states]


@blp.route("/licences/<string:number>")
class Licence(MethodView):
    @access(OFFICER)
    @blp.arguments(LicenceLookupQuerySchema, location="query")
    @blp.response(200, LicenceSchema)
    def get(self, query, number):
        """Look up a licence (audited, with a purpose): suspended, out of points, expired or valid on a day"""
        state = service.lookup_licence(
            session=db.session,
            principal=current_principal(),
            number=number,
            on=query["on"] or clock.today(),
            purpose=query["purpose"],
        )
        return present_licence(state)


@blp.route("/licences/<string:number>/retests")
class LicenceRetests(MethodView):
    @access(OFFICER)
    @blp.arguments(LicenceRetestSchema)
    @blp.response(201, LicenceSchema)
    def post(self, data, number):
        """Record that the holder of a licence at 0 points passed the theory re-test (not before 6 months)"""
        state = retest.record_retest(
            session=db.session, principal=current_principal(), number=number, passed_on=data["passed_on"]
        )

        return present_licence(state)
