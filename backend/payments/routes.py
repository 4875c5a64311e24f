"""Payment endpoints: a citizen opens a payment intent and reads it; the gateway posts its signed callback."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.access import CITIZEN, access, current_principal, public
from backend.extensions import db
from backend.payments import gateway as gateways
from backend.payments import service
from shared_schemas.base import RequiredIdempotencyHeaderSchema
from shared_schemas.payments import (
    GatewayCallbackSchema,
    PaymentCallbackHeadersSchema,
    PaymentCallbackResultSchema,
    PaymentIntentCreateSchema,
    PaymentIntentSchema,
)

blp = Blueprint("payments", __name__, url_prefix="/payments", description="Online payment of fines and fees")


@blp.route("/intents")
class Intents(MethodView):
    @access(CITIZEN, level=1)
    @blp.arguments(RequiredIdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(PaymentIntentCreateSchema)
    @blp.response(201, PaymentIntentSchema)
    def post(self, data, idempotency_key):
        """Open a payment for a fine or a certificate fee, at the amount due today (send it as `amount`)"""
        intent = service.create_intent(
            session=db.session,
            principal=current_principal(),
            gateway=gateways.gateway(),
            idempotency_key=idempotency_key,
            **data,
        )

        return service.payment(db.session, intent)


@blp.route("/intents/<string:intent_id>")
class Intent(MethodView):
    @access(CITIZEN, level=1)
    @blp.response(200, PaymentIntentSchema)
    def get(self, intent_id):
        """One of my payments: its status and, once paid, its receipt"""
        intent = service.get_intent(session=db.session, principal=current_principal(), public_id=intent_id)
        return service.payment(db.session, intent)


@blp.route("/callbacks/<string:gateway_name>")
class Callback(MethodView):
    @public
    @blp.arguments(PaymentCallbackHeadersSchema, location="headers")
    @blp.arguments(GatewayCallbackSchema)
    @blp.response(200, PaymentCallbackResultSchema)
    def post(self, headers, fields, gateway_name):
        """The gateway's signed result (HMAC-SHA256 with timestamp and nonce); applied at most once"""
        try:
            gateway = gateways.gateway(gateway_name)
        except LookupError:
            raise gateways.CallbackRefused("No such payment gateway.") from None
        raw_headers = {
            gateways.TIMESTAMP_HEADER: headers["timestamp"],
            gateways.NONCE_HEADER: headers["nonce"],
            gateways.SIGNATURE_HEADER: headers["signature"],
        }
        outcome = service.handle_callback(
            session=db.session,
            gateway=gateway,
            headers={k: v for k, v in raw_headers.items() if v},
            fields=fields,
        )

        return {
            "result": outcome.result,
            "intent_id": outcome.intent.public_id,
            "receipt_number": outcome.posting.receipt_number if outcome.posting else None,
        }
