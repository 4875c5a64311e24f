"""The provider's JSON API: administrators register and suspend relying parties; the citizen's app binds
device keys and answers login requests."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import ADMIN, CITIZEN, OFFICER, access, current_principal
from backend.extensions import db
from backend.identity_provider import login_requests, service
from shared_schemas.identity_provider import (
    DeviceKeyCreateSchema,
    DeviceKeySchema,
    DeviceUnbindSchema,
    LoginDecisionSchema,
    LoginRequestSchema,
    RegisteredRelyingPartySchema,
    RelyingPartyCreateSchema,
    RelyingPartySchema,
    RelyingPartyStatusSchema,
)

blp = Blueprint(
    "identity_provider",
    __name__,
    url_prefix="/identity-provider",
    description="National login: relying parties, device keys, login approvals",
)


@blp.route("/relying-parties")
class RelyingParties(MethodView):
    @access(ADMIN)
    @blp.response(200, RelyingPartySchema(many=True))
    def get(self):
        """Registered relying parties"""
        return service.list_relying_parties(session=db.session)

    @access(ADMIN)
    @blp.arguments(RelyingPartyCreateSchema)
    @blp.response(201, RegisteredRelyingPartySchema)
    def post(self, data):
        """Register a relying party (its scopes name the registry fields it may receive)"""
        party, secret = service.register_relying_party(
            session=db.session, principal=current_principal(), data=data, now=clock.now()
        )
        return {"relying_party": party, "client_secret": secret}


@blp.route("/relying-parties/<string:client_id>/status")
class RelyingPartyStatus(MethodView):
    @access(ADMIN)
    @blp.arguments(RelyingPartyStatusSchema)
    @blp.response(200, RelyingPartySchema)
    def post(self, data, client_id):
        """Suspend (or reinstate) a relying party: its tokens stop working at once"""
        return service.set_relying_party_status(session=db.session, client_id=client_id, status=data["status"])


@blp.route("/device-keys")
class DeviceKeys(MethodView):
    @access(CITIZEN)
    @blp.response(200, DeviceKeySchema(many=True))
    def get(self):
        """The phones bound to my account"""
        return login_requests.list_device_keys(session=db.session, principal=current_principal())

    @access(CITIZEN)
    @blp.arguments(DeviceKeyCreateSchema)
    @blp.response(201, DeviceKeySchema)
    def post(self, data):
        """Bind this phone's Ed25519 key (done when the account is activated on it)"""
        return login_requests.register_device_key(
            session=db.session, principal=current_principal(), now=clock.now(), **data
        )


@blp.route("/device-keys/<string:key_id>/unbind")
class DeviceKeyUnbind(MethodView):
    @access(CITIZEN)
    @blp.response(200, DeviceKeySchema)
    def post(self, key_id):
        """Unbind a phone (lost or replaced): it approves nothing from now on"""
        return login_requests.unbind_device_key(
            session=db.session, principal=current_principal(), key_id=key_id, now=clock.now()
        )


@blp.route("/citizens/<string:personal_id>/device-keys/unbind")
class CitizenDeviceUnbind(MethodView):
    @access(OFFICER)
    @blp.arguments(DeviceUnbindSchema)
    @blp.response(200, DeviceKeySchema(many=True))
    def post(self, data, personal_id):
        """An officer unbinds a citizen's phones (lost phone reported in person; audited)"""
        return login_requests.unbind_for_citizen(
            session=db.session,
            principal=current_principal(),
            personal_id=personal_id,
            reason=data["reason"],
            now=clock.now(),
        )


@blp.route("/login-requests")
class LoginRequests(MethodView):
    @access(CITIZEN)
    @blp.response(200, LoginRequestSchema(many=True))
    def get(self):
        """Logins waiting for my approval (a QR login is opened by scanning instead)"""
        return login_requests.pending_for(session=db.session, principal=current_principal(), now=clock.now())


@blp.route("/login-requests/<string:request_id>")
class LoginRequestItem(MethodView):
    @access(CITIZEN)
    @blp.response(200, LoginRequestSchema)
    def get(self, request_id):
        """A login request the app scanned (QR): which service it is for, and what to sign"""
        return login_requests.for_approval(
            session=db.session, principal=current_principal(), request_id=request_id, now=clock.now()
        )


@blp.route("/login-requests/<string:request_id>/decision")
class LoginDecision(MethodView):
    @access(CITIZEN)
    @blp.arguments(LoginDecisionSchema)
    @blp.response(200, LoginRequestSchema)
    def post(self, data, request_id):
        """Approve or deny a login with a signature of the bound device key"""
        return login_requests.decide(
            session=db.session, principal=current_principal(), request_id=request_id, now=clock.now(), **data
        )
