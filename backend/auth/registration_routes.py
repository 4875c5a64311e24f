"""Registration endpoints: self-registration proves possession (SMS code to the registry's phone, or a chip
read the server verifies), activation with an officer's code, and the officer's in-person raise to level 2."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.auth import possession
from backend.core.access import OFFICER, access, current_principal, public
from backend.core.unit_of_work import keep_when_refused
from backend.extensions import db, limiter
from backend.identification import service as identification
from backend.notifications.sms import send_after_response
from shared_schemas.auth import (
    AccountSchema,
    ActivateSchema,
    ChipChallengeSchema,
    ChipRegisterSchema,
    LevelRaisedSchema,
    RaiseLevelSchema,
    RegisterConfirmSchema,
    RegisterSchema,
    RegistrationPendingSchema,
)

blp = Blueprint("registration", __name__, url_prefix="/", description="Registering and activating accounts")

PENDING_VI = (
    "Nếu thông tin khớp với Cơ sở dữ liệu quốc gia về dân cư, mã xác nhận 6 chữ số đã được gửi qua SMS "
    "đến số điện thoại đăng ký ở đó. Nhập mã cùng mật khẩu mới trong 10 phút. Không nhận được SMS? "
    "Hãy đăng ký bằng thẻ căn cước gắn chip trên ứng dụng, hoặc tại cơ quan công an."
)
PENDING_EN = (
    "If these details match the population registry, a 6-digit code was sent by SMS to the phone number "
    "recorded there. Enter it with your new password within 10 minutes. No SMS? Register with your "
    "chip ID card in the app, or at a police office."
)


def _per_id_key() -> str:
    """Registration starts per ID number, whatever the address: each one may text the registry's phone."""
    body = request.get_json(silent=True)
    pid = body.get("personal_id") if isinstance(body, dict) else None
    return "register-id:" + str(pid or "")[:12]


def _address_limit():
    return limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])


@blp.route("/auth/register")
class Register(MethodView):
    decorators = [
        _address_limit(),
        limiter.limit(lambda: current_app.config["REGISTRATION_LIMIT_PER_ID"], key_func=_per_id_key),
    ]

    @public
    @blp.arguments(RegisterSchema)
    @blp.response(202, RegistrationPendingSchema)
    def post(self, data):
        """Start a level-1 registration. The answer is the same whether or not the details match: a code goes
        by SMS to the phone number the population registry holds for that person"""
        pending = possession.start_registration(
            session=db.session,
            pid=data["personal_id"],
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
        )
        body = RegistrationPendingSchema().dump(
            {
                "registration_id": pending.registration_id,
                "expires_at": pending.expires_at,
                "detail": PENDING_EN,
                "detail_vi": PENDING_VI,
            }
        )
        response = jsonify(body)
        response.status_code = 202
        return send_after_response(response, pending.sms) if pending.sms else response


@blp.route("/auth/register/confirm")
class RegisterConfirm(MethodView):
    decorators = [_address_limit()]

    @public
    @blp.arguments(RegisterConfirmSchema)
    @blp.response(201, AccountSchema)
    def post(self, data):
        """Finish a registration with the SMS code and a new password (5 attempts per code)"""
        keep_when_refused(db.session)  # a wrong code spends an attempt even though the answer is 422
        account = possession.confirm_registration(session=db.session, **data)
        return account


@blp.route("/auth/register/chip-challenge")
class RegisterChipChallenge(MethodView):
    decorators = [_address_limit()]

    @public
    @blp.response(201, ChipChallengeSchema)
    def post(self):
        """A single-use challenge (3 minutes) for the chip's Active Authentication during a registration"""
        return identification.issue_challenge(session=db.session, purpose="registration", account_id=None)


@blp.route("/auth/register/chip")
class RegisterWithChip(MethodView):
    decorators = [_address_limit()]

    @public
    @blp.arguments(ChipRegisterSchema)
    @blp.response(201, AccountSchema)
    def post(self, data):
        """Register with the chip ID card read by the phone (EF.SOD, DG1, DG13, DG14, DG15 and the chip's
        answer to the server's challenge); name, ID and date of birth come from the verified chip"""
        return possession.register_with_chip(
            session=db.session, evidence=data["chip"], password=data["password"], phone=data["phone"]
        )


@blp.route("/auth/activate")
class Activate(MethodView):
    decorators = [_address_limit()]

    @public
    @blp.arguments(ActivateSchema)
    @blp.response(200, AccountSchema)
    def post(self, data):
        """Set a new password with the one-time activation code an officer handed over (5 attempts)"""
        keep_when_refused(db.session)  # a wrong code spends an attempt even though the answer is 422
        account = possession.activate(
            session=db.session, username=data["username"], code=data["activation_code"], password=data["password"]
        )
        return account


@blp.route("/accounts/<string:personal_id>/level")
class AccountLevel(MethodView):
    @access(OFFICER)
    @blp.arguments(RaiseLevelSchema)
    @blp.response(200, LevelRaisedSchema)
    def put(self, data, personal_id):
        """Raise a citizen's account to level 2 after in-person verification (audited): the old password and
        every session end; hand the citizen the one-time activation code to set a new password now"""
        activation = possession.raise_to_level_2(
            session=db.session, principal=current_principal(), pid=personal_id, evidence=data["evidence"]
        )
        return {
            "account": activation.account,
            "activation_code": activation.code,
            "activation_expires_at": activation.expires_at,
        }
