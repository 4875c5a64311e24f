"""Traffic endpoints: the violation catalogue, officers recording and cancelling penalty decisions, citizens'
fines (with the surcharge on a given day) and licences, and officers' licence look-ups."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import CITIZEN, OFFICER, access, current_principal, public
from backend.extensions import db
from backend.traffic import catalogue, licences, read_models, retest, service
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


@blp.route("/violations")
class Violations(MethodView):
    @public
    @blp.arguments(ViolationCatalogueQuerySchema, location="query")
    @blp.response(200, ViolationSchema(many=True))
    def get(self, query):
        """The violation catalogue: legal basis, fine range in đồng, points and suspension"""
        return [v for v in catalogue.catalogue().values() if query["vehicle_class"] in (None, v.vehicle_class)]


@blp.route("/penalties")
class Penalties(MethodView):
    @access(OFFICER)
    @blp.arguments(RequiredIdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(PenaltyCreateSchema)
    @blp.response(201, PenaltySchema)
    def post(self, data, idempotency_key):
        """Record a violation in my jurisdiction and decide its penalty (camera: against the plate)"""
        return read_models.penalty(
            service.record_penalty(
                session=db.session, principal=current_principal(), data=data, idempotency_key=idempotency_key
            ),
            clock.today(),
        )


@blp.route("/penalties/mine")
class OwnPenalties(MethodView):
    @access(CITIZEN, level=1)
    @blp.arguments(TrafficOnDateQuerySchema, location="query")
    @blp.response(200, PenaltySchema(many=True))
    def get(self, query):
        """Fines on my ID number, vehicles and licences, with the surcharge accrued on `on` (default today)"""
        on = query["on"] or clock.today()
        return [read_models.penalty(d, on) for d in service.list_own(session=db.session, principal=current_principal())]


@blp.route("/penalties/<string:number>")
class Penalty(MethodView):
    @access(CITIZEN, OFFICER, level=1)
    @blp.arguments(TrafficOnDateQuerySchema, location="query")
    @blp.response(200, PenaltySchema)
    def get(self, query, number):
        """One penalty decision: mine, or in my jurisdiction as an officer (audited)"""
        decision = service.get_decision(session=db.session, principal=current_principal(), number=number)
        return read_models.penalty(decision, query["on"] or clock.today())


@blp.route("/penalties/<string:number>/cancel")
class CancelPenalty(MethodView):
    @access(OFFICER)
    @blp.arguments(PenaltyCancelSchema)
    @blp.response(200, PenaltySchema)
    def post(self, data, number):
        """Cancel an unpaid decision in my jurisdiction; its points and suspension lapse"""
        return read_models.penalty(
            service.cancel_decision(
                session=db.session, principal=current_principal(), number=number, reason=data["reason"]
            ),
            clock.today(),
        )


@blp.route("/licences/mine")
class OwnLicences(MethodView):
    @access(CITIZEN, level=1)
    @blp.arguments(TrafficOnDateQuerySchema, location="query")
    @blp.response(200, LicenceSchema(many=True))
    def get(self, query):
        """My driving licences: status, points and any suspension on `on` (default today)"""
        return licences.own_licences(session=db.session, principal=current_principal(), on=query["on"] or clock.today())


@blp.route("/licences/<string:number>")
class Licence(MethodView):
    @access(OFFICER)
    @blp.arguments(LicenceLookupQuerySchema, location="query")
    @blp.response(200, LicenceSchema)
    def get(self, query, number):
        """Look up a licence (audited, with a purpose): suspended, out of points, expired or valid on a day"""
        return licences.lookup_licence(
            session=db.session,
            principal=current_principal(),
            number=number,
            on=query["on"] or clock.today(),
            purpose=query["purpose"],
        )


@blp.route("/licences/<string:number>/retests")
class LicenceRetests(MethodView):
    @access(OFFICER)
    @blp.arguments(LicenceRetestSchema)
    @blp.response(201, LicenceSchema)
    def post(self, data, number):
        """Record that the holder of a licence at 0 points passed the theory re-test (not before 6 months)"""
        return retest.record_retest(
            session=db.session, principal=current_principal(), number=number, passed_on=data["passed_on"]
        )
