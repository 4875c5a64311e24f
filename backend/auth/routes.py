"""Account endpoints: login, refresh, logout, my account (registration: registration_routes.py)."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import get_jwt, jwt_required
from flask_smorest import Blueprint

from backend.auth import service, throttle
from backend.core.access import (
    ALL_ROLES,
    BEARER_SCHEME,
    access,
    current_principal,
    document_security,
    public,
)
from backend.core.unit_of_work import keep_when_refused
from backend.errors import Unauthenticated
from backend.extensions import db, limiter
from shared_schemas.auth import (
    AccountSchema,
    LoginSchema,
    TokenPairSchema,
)

blp = Blueprint("auth", __name__, url_prefix="/", description="Identity accounts and sessions")


def bearer_refresh_token(view):
    """No access token is needed (so public for the access rules), but the refresh token travels in the same
    bearer header: the OpenAPI document says so."""
    document_security(view, [{BEARER_SCHEME: []}])
    return view


def _tokens(pair) -> dict:
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
    }


@blp.route("/auth/login")
class Login(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])]

    @public
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, data):
        """Log in with the 12-digit ID number (staff: username) and password"""
        pair = throttle.attempt(
            db.session,
            scope="login",
            account=data["username"],
            address=request.remote_addr,
            failures=(Unauthenticated,),
            ahead=service.check_password_ahead(data["username"], data["password"]),
            action=lambda: service.login(
                session=db.session,
                username=data["username"],
                password=data["password"],
                client=(request.user_agent.string or "")[:100] or None,
            ),
        )
        return _tokens(pair)


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @bearer_refresh_token
    @public
    @jwt_required(refresh=True)
    @blp.response(200, TokenPairSchema)
    def post(self):
        """Exchange a refresh token (in the Authorization header) for a new pair; the old one is spent"""
        keep_when_refused(db.session)  # a detected reuse revokes the family, although we answer 401
        pair = service.refresh(session=db.session, claims=get_jwt())
        return _tokens(pair)


@blp.route("/auth/logout")
class Logout(MethodView):
    @access(*ALL_ROLES)
    @blp.response(204)
    def post(self):
        """End this session: its access and refresh tokens stop working everywhere"""
        service.logout(session=db.session, principal=current_principal())


@blp.route("/accounts/me")
class OwnAccount(MethodView):
    @access(*ALL_ROLES)
    @blp.response(200, AccountSchema)
    def get(self):
        """My account: role, level, scope"""
        return service.get_account(session=db.session, principal=current_principal())
