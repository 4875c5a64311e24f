"""Help-request endpoints: a kiosk calls for staff; hospital staff list their hospital's calls and
acknowledge them (the staff console polls the open list)."""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import HOSPITAL_STAFF, KIOSK, access, current_principal
from backend.core.unit_of_work import committed
from backend.extensions import db
from backend.fleet import help_requests as service
from shared_schemas.kiosk_help import HelpRequestCreateSchema, HelpRequestQuerySchema, HelpRequestSchema

blp = Blueprint(
    "hospital_help", __name__, url_prefix="/health/help-requests", description="Calls for help from check-in kiosks"
)


def _view(call: service.HelpCall) -> dict:
    request = call.request
    return {
        "id": request.public_id,
        "hospital_code": call.hospital_code,
        "kiosk": call.kiosk_name,
        "fleet_kiosk_id": request.fleet_kiosk_id,
        "screen": request.screen,
        "reason": request.reason,
        "detail": request.detail,
        "language": request.language,
        "state": "open" if request.acknowledged_at is None else "acknowledged",
        "created_at": request.created_at,
        "acknowledged_at": request.acknowledged_at,
        "existing": call.existing,
    }


@blp.route("")
class HelpRequests(MethodView):
    @access(KIOSK)
    @blp.arguments(HelpRequestCreateSchema)
    @blp.response(201, HelpRequestSchema)
    @blp.alt_response(200, schema=HelpRequestSchema, description="This kiosk's open call from moments ago")
    def post(self, data):
        """Call staff to this kiosk (the screen and what went wrong; nothing about the patient). A second
        press within minutes returns the same call."""
        call = committed(
            lambda: service.request_help(
                session=db.session, principal=current_principal(), now=clock.now(), public_id=uuid.uuid4().hex, **data
            )
        )
        return _view(call), 200 if call.existing else 201

    @access(HOSPITAL_STAFF)
    @blp.arguments(HelpRequestQuerySchema, location="query")
    @blp.response(200, HelpRequestSchema(many=True))
    def get(self, query):
        """My hospital's calls for help, newest first (open ones by default)"""
        return [
            _view(call)
            for call in service.list_help_requests(
                session=db.session, principal=current_principal(), state=query["state"]
            )
        ]


@blp.route("/<string:request_id>/acknowledge")
class AcknowledgeHelp(MethodView):
    @access(HOSPITAL_STAFF)
    @blp.response(200, HelpRequestSchema)
    def post(self, request_id):
        """I am on my way: the call leaves the open list (and the kiosk's fleet alert is resolved)"""
        return _view(
            committed(
                lambda: service.acknowledge(
                    session=db.session, principal=current_principal(), request_id=request_id, now=clock.now()
                )
            )
        )
