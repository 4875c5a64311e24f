"""Registry endpoints: a citizen's own record, officers' look-ups and searches, administrative units."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.access import CITIZEN, OFFICER, access, current_principal, public
from backend.extensions import db
from backend.registry import present, service
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
        return present.citizen_record(service.read_own_record(session=db.session, principal=current_principal()))


@blp.route("/citizens/<string:personal_id>")
class CitizenRecordView(MethodView):
    @access(CITIZEN, OFFICER)
    @blp.arguments(PurposeQuerySchema, location="query")
    @blp.response(200, CitizenSchema)
    def get(self, query, personal_id):
        """A citizen's record: the citizen themself, or an officer of their jurisdiction (audited)"""
        record = service.read_record(session=db.session, principal=current_principal(), pid=personal_id,
                                     purpose=query["purpose"])
        return present.citizen_record(record)


@blp.route("/citizens")
class Citizens(MethodView):
    @access(OFFICER)
    @blp.arguments(CitizenSearchQuerySchema, location="query")
    @blp.response(200, CitizenSummarySchema(many=True))
    def get(self, query):
        """Search by name, without regard to accents or case, within the officer's jurisdiction (audited)"""
        results = service.search(session=db.session, principal=current_principal(), name=query["name"],
                                 date_of_birth=query.get("date_of_birth"), purpose=query["purpose"])
        return results

    @access(OFFICER)
    @blp.arguments(CitizenCreateSchema)
    @blp.response(201, CitizenSummarySchema)
    def post(self, data):
        """Enter a person into the registry (birth registration), checked for consistency"""
        purpose = data.pop("purpose")
        citizen = service.register_citizen(session=db.session, principal=current_principal(), data=data,
                                           purpose=purpose)
        return citizen


@blp.route("/administrative-units")
class AdministrativeUnits(MethodView):
    @public
    @blp.arguments(UnitQuerySchema, location="query")
    @blp.response(200, AdministrativeUnitSchema(many=True))
    def get(self, query):
        """Provinces, or the units under `parent_code`"""
        return service.list_units(session=db.session, parent_code=query.get("parent_code"))
