"""Registry endpoints: a citizen's own record, officers' look-ups and searches, administrative units."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import CITIZEN, OFFICER, access, current_principal, public
from backend.core.unit_of_work import committed
from backend.extensions import db
from backend.registry import identity_cards, service
from shared_schemas.identity_cards import IdentityCardIssueSchema, IdentityCardReasonSchema, IdentityCardSchema
from shared_schemas.registry import (
    AdministrativeUnitSchema,
    CitizenCreateSchema,
    CitizenSchema,
    CitizenSearchQuerySchema,
    CitizenSummarySchema,
    PurposeQuerySchema,
    UnitQuerySchema,
)

blp = Blueprint("registry", __name__, url_prefix="/", description="National population registry")


@blp.route("/citizens/me")
class OwnRecord(MethodView):
    @access(CITIZEN, level=1)
    @blp.response(200, CitizenSchema)
    def get(self):
        """My registry record (level 1 and up)"""
        return service.read_own_record(session=db.session, principal=current_principal())


@blp.route("/citizens/<string:personal_id>")
class CitizenRecordView(MethodView):
    @access(CITIZEN, OFFICER)
    @blp.arguments(PurposeQuerySchema, location="query")
    @blp.response(200, CitizenSchema)
    def get(self, query, personal_id):
        """A citizen's record: the citizen themself, or an officer of their jurisdiction (audited)"""
        return service.read_record(
            session=db.session, principal=current_principal(), pid=personal_id, purpose=query["purpose"]
        )


@blp.route("/citizens")
class Citizens(MethodView):
    @access(OFFICER)
    @blp.arguments(CitizenSearchQuerySchema, location="query")
    @blp.response(200, CitizenSummarySchema(many=True))
    def get(self, query):
        """Search by name, without regard to accents or case, within the officer's jurisdiction (audited)"""
        results = service.search(
            session=db.session,
            principal=current_principal(),
            name=query["name"],
            date_of_birth=query.get("date_of_birth"),
            purpose=query["purpose"],
        )
        return results

    @access(OFFICER)
    @blp.arguments(CitizenCreateSchema)
    @blp.response(201, CitizenSummarySchema)
    def post(self, data):
        """Enter a person into the registry (birth registration), checked for consistency"""
        purpose = data.pop("purpose")
        citizen = service.register_citizen(
            session=db.session, principal=current_principal(), data=data, purpose=purpose
        )
        return citizen


@blp.route("/administrative-units")
class AdministrativeUnits(MethodView):
    @public
    @blp.arguments(UnitQuerySchema, location="query")
    @blp.response(200, AdministrativeUnitSchema(many=True))
    def get(self, query):
        """Provinces, or the units under `parent_code`"""
        return service.list_units(session=db.session, parent_code=query.get("parent_code"))


@blp.route("/citizens/me/identity-cards/report-lost")
class OwnIdentityCardLost(MethodView):
    @access(CITIZEN, level=2)
    @blp.arguments(IdentityCardReasonSchema)
    @blp.response(200, IdentityCardSchema(many=True))
    def post(self, data):
        """Report my chip ID card lost (level 2): eKYC answers reported_lost from now on; only a new card undoes it"""
        return committed(
            lambda: identity_cards.report_lost(
                session=db.session, principal=current_principal(), reason=data["reason"], now=clock.now()
            )
        )


@blp.route("/citizens/<string:personal_id>/identity-cards")
class IdentityCards(MethodView):
    @access(CITIZEN, OFFICER)
    @blp.response(200, IdentityCardSchema(many=True))
    def get(self, personal_id):
        """A citizen's chip ID cards, newest first: the citizen, or an officer covering them (audited)"""
        return committed(
            lambda: identity_cards.list_cards(
                session=db.session, principal=current_principal(), personal_id=personal_id, now=clock.now()
            )
        )

    @access(OFFICER)
    @blp.arguments(IdentityCardIssueSchema)
    @blp.response(201, IdentityCardSchema)
    def post(self, data, personal_id):
        """Register a newly issued card (officer covering the citizen; audited): the valid older cards are replaced"""
        return committed(
            lambda: identity_cards.issue(
                session=db.session, principal=current_principal(), personal_id=personal_id, now=clock.now(), **data
            )
        )


@blp.route("/citizens/<string:personal_id>/identity-cards/<int:card_id>/revoke")
class IdentityCardRevoke(MethodView):
    @access(OFFICER)
    @blp.arguments(IdentityCardReasonSchema)
    @blp.response(200, IdentityCardSchema)
    def post(self, data, personal_id, card_id):
        """Revoke a card (officer covering the citizen; audited; final)"""
        return committed(
            lambda: identity_cards.revoke(
                session=db.session,
                principal=current_principal(),
                personal_id=personal_id,
                card_id=card_id,
                reason=data["reason"],
                now=clock.now(),
            )
        )
