"""Account recovery: the kiosk's attempt (chip + frames), staff confirmation, an officer's desk, the new
phone's binding, and the citizen's own lock."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.access import CITIZEN, HOSPITAL_STAFF, KIOSK, OFFICER, access, current_principal, public
from backend.extensions import db, limiter
from backend.recovery import binding, service
from backend.recovery.messages import words
from shared_schemas.recovery import (
    AccountLockResultSchema,
    AccountLockSchema,
    DeskRecoverySchema,
    DeviceBindingResultSchema,
    DeviceBindingSchema,
    RecoveryAttemptSchema,
    RecoveryEvidenceSchema,
    StaffConfirmationSchema,
)

blp = Blueprint(
    "recovery", __name__, url_prefix="/recovery", description="Recovering an identity account with the chip card"
)


def present(attempt, challenge=None, code: str | None = None) -> dict:
    vi, en = words(attempt.reason)
    return {
        "attempt_id": attempt.public_id,
        "status": attempt.status,
        "prompt": attempt.prompt,
        "challenge_id": challenge.public_id if challenge else None,
        "challenge": challenge.nonce if challenge else None,
        "reason": attempt.reason,
        "message_vi": vi,
        "message_en": en,
        "match_distance": attempt.match_distance,
        "recovery_code": binding.QR_PREFIX + code if code else None,
        "code_expires_at": attempt.code_expires_at if code else None,
        "created_at": attempt.created_at,
    }


@blp.route("/attempts")
class KioskAttempts(MethodView):
    @access(KIOSK)
    @blp.response(201, RecoveryAttemptSchema)
    def post(self):
        """Start a recovery at this kiosk: the chip challenge and the liveness prompt to show"""
        attempt, challenge = service.start_at_kiosk(session=db.session, principal=current_principal())
        return present(attempt, challenge)


@blp.route("/attempts/<string:attempt_id>")
class KioskAttempt(MethodView):
    @access(KIOSK)
    @blp.response(200, RecoveryAttemptSchema)
    def get(self, attempt_id):
        """The attempt's state; after staff approval, the one-time code (once)"""
        attempt, code = service.poll_at_kiosk(session=db.session, principal=current_principal(), attempt_id=attempt_id)
        return present(attempt, code=code)


@blp.route("/attempts/<string:attempt_id>/evidence")
class KioskEvidence(MethodView):
    @access(KIOSK)
    @blp.arguments(RecoveryEvidenceSchema)
    @blp.response(200, RecoveryAttemptSchema)
    def post(self, data, attempt_id):
        """The chip read (with DG2) and the camera frames: the backend verifies the card and matches the face"""
        attempt, code = service.submit_at_kiosk(
            session=db.session,
            principal=current_principal(),
            attempt_id=attempt_id,
            chip=data["chip"],
            frames=data["frames"],
        )
        return present(attempt, code=code)


@blp.route("/assists")
class StaffAssists(MethodView):
    @access(HOSPITAL_STAFF)
    @blp.response(200, RecoveryAttemptSchema(many=True))
    def get(self):
        """Recoveries at this hospital's kiosks waiting for a member of staff to compare face and photo"""
        return [present(a) for a in service.waiting_for_staff(session=db.session, principal=current_principal())]


@blp.route("/attempts/<string:attempt_id>/staff-confirmation")
class StaffConfirmation(MethodView):
    @access(HOSPITAL_STAFF)
    @blp.arguments(StaffConfirmationSchema)
    @blp.response(200, RecoveryAttemptSchema)
    def post(self, data, attempt_id):
        """Confirm (or decline) the face of the person at the kiosk against the chip photo"""
        attempt = service.confirm_by_staff(
            session=db.session,
            principal=current_principal(),
            attempt_id=attempt_id,
            confirmed=data["confirmed"],
            note=data["note"],
        )
        return present(attempt)


@blp.route("/desk/attempts")
class DeskAttempts(MethodView):
    @access(OFFICER)
    @blp.response(201, RecoveryAttemptSchema)
    def post(self):
        """Start a recovery at an officer's desk: the chip challenge for the desk's reader"""
        attempt, challenge = service.start_at_desk(session=db.session, principal=current_principal())
        return present(attempt, challenge)


@blp.route("/desk/attempts/<string:attempt_id>")
class DeskAttempt(MethodView):
    @access(OFFICER)
    @blp.arguments(DeskRecoverySchema)
    @blp.response(200, RecoveryAttemptSchema)
    def post(self, data, attempt_id):
        """The officer confirms in person; the backend verifies the card and issues the one-time code"""
        attempt, code = service.recover_at_desk(
            session=db.session,
            principal=current_principal(),
            attempt_id=attempt_id,
            chip=data["chip"],
            note=data["note"],
        )
        return present(attempt, code=code)


@blp.route("/device-bindings")
class DeviceBindings(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])]

    @public
    @blp.arguments(DeviceBindingSchema)
    @blp.response(201, DeviceBindingResultSchema)
    def post(self, data):
        """The new phone's app sends the scanned code and its device key: old sessions and devices end"""
        code = data["recovery_code"].removeprefix(binding.QR_PREFIX)
        return binding.bind_device(session=db.session, code=code, public_key=data["public_key"], label=data["label"])


@blp.route("/account-lock")
class AccountLock(MethodView):
    @access(CITIZEN)
    @blp.arguments(AccountLockSchema, required=False)  # the reason is optional: a lost phone needs no story
    @blp.response(200, AccountLockResultSchema)
    def post(self, data):
        """Lock my own account (a lost or stolen phone); unlocking needs the chip card and my face"""
        return binding.lock_own_account(session=db.session, principal=current_principal(), reason=data["reason"])
