"""Challenges for a chip's Active Authentication: a kiosk asks for one before it reads a card."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_smorest import Blueprint

from backend.core.access import KIOSK, access, current_principal
from backend.extensions import db, limiter
from backend.identification import service
from shared_schemas.identification import ChipChallengeSchema

blp = Blueprint(
    "identification",
    __name__,
    url_prefix="/identification",
    description="Evidence of identity the backend verifies itself",
)


def _kiosk_key() -> str:
    verify_jwt_in_request()
    return f"chip-challenge:{get_jwt().get('sub')}"


@blp.route("/challenges")
class Challenges(MethodView):
    # A kiosk reads a card every few seconds at most; more is someone filling the table.
    decorators = [limiter.limit(lambda: current_app.config["CHIP_CHALLENGE_LIMIT_PER_KIOSK"], key_func=_kiosk_key)]

    @access(KIOSK)
    @blp.response(201, ChipChallengeSchema)
    def post(self):
        """A single-use challenge (valid 3 minutes) for the chip's INTERNAL AUTHENTICATE during a check-in;
        bound to this kiosk"""
        principal = current_principal()
        return service.issue_challenge(session=db.session, purpose="hospital-checkin", account_id=principal.account_id)
