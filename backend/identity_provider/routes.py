"""The provider's HTTP face: discovery, JWKS, pushed requests, the authorization endpoint with its login,
step-up and consent pages, token, userinfo and logout. OAuth endpoints answer in OAuth's own error format
(RFC 6749 5.2), which relying parties' libraries expect, not in problem+json."""

from __future__ import annotations

import base64
from urllib.parse import urlencode, urlparse

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from flask import Blueprint, current_app, g, jsonify, make_response, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from backend.auth.throttle import TooManyAttempts
from backend.core import clock
from backend.core.unit_of_work import unit_of_work
from backend.errors import Unauthenticated, ValidationFailed
from backend.extensions import db, limiter
from backend.identity_provider import claims, ekyc, login_requests, service, tokens, web_session
from backend.identity_provider.server import AUTH_METHODS, authorization, metadata, protected, public_jwks
from shared_schemas.identification import ChipEvidenceSchema

bp = Blueprint("oidc", __name__, template_folder="templates", static_folder="static", static_url_path="/oidc/static")

_FORM = ("application/x-www-form-urlencoded",)
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'{targets}; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def form_body(view):
    view.accepts_content_types = _FORM
    return view


@bp.after_request
def _headers(response):
    if response.mimetype == "text/html":
        # Browsers apply form-action to the redirect after a POST: the party's callback must be allowed.
        targets = "".join(" " + origin for origin in g.get("oidc_form_targets", ()))
        response.headers["Content-Security-Policy"] = _CSP.format(targets=targets)
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _page("oidc/error.html", status=error.code, detail=error.description), error.code


def _page(template: str, **context):
    return render_template(template, **context)


# --- discovery -------------------------------------------------------------------------------------------
@bp.route("/.well-known/openid-configuration")
def discovery():
    return jsonify(metadata())


@bp.route("/oidc/jwks")
def jwks():
    response = jsonify(public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# --- pushed authorization request (RFC 9126) ------------------------------------------------------------
@bp.route("/oidc/par", methods=["POST"], endpoint="pushed_authorization_request")
@form_body
@unit_of_work
def pushed_authorization_request():
    def push():
        oauth_request = authorization.create_oauth2_request(None)
        try:
            client = authorization.authenticate_client(oauth_request, AUTH_METHODS, endpoint="par")
            parameters = {
                k: v
                for k, v in oauth_request.payload.data.items()
                if k not in ("client_assertion", "client_assertion_type", "request_uri")
            }
            if parameters.get("client_id", client.client_id) != client.client_id:
                raise InvalidRequestError("client_id does not match the authenticated client.")
            parameters["client_id"] = client.client_id
            service.check_requested_scope(client, parameters.get("scope", ""))
            oauth_request.client = client
            grant = authorization.get_authorization_grant(oauth_request)
            grant.validate_authorization_request()
        except OAuth2Error as error:
            error.redirect_uri = None  # PAR answers the party's back channel in JSON (RFC 9126 2.3)
            return authorization.handle_error_response(oauth_request, error)
        body = service.push_request(session=db.session, client=client, parameters=parameters, now=clock.now())
        return jsonify(body), 201

    return push()


# --- authorization endpoint: login, step-up, consent -------------------------------------------------------
def _authorization_grant():
    try:
        return authorization.get_consent_grant(end_user=None), None
    except OAuth2Error as error:
        detail = error.description or error.error
        return None, (_page("oidc/error.html", status=400, detail=detail), 400)


def _back_to_authorize(grant):
    row = grant.request.pushed_request
    query = urlencode({"client_id": row.client_id, "request_uri": service.REQUEST_URI_PREFIX + row.reference})
    return redirect(url_for("oidc.authorize") + "?" + query, code=303)


@bp.route("/oidc/authorize", methods=["GET", "POST"])
@form_body
@unit_of_work
def authorize():
    grant, failure = _authorization_grant()
    if failure:
        return failure
    login = web_session.load()
    client, row = grant.client, grant.request.pushed_request
    g.oidc_form_targets = _origins(client.redirect_uri_list)
    needed = service.required_level(client, grant.request.payload.data)
    login_requests.collect_approvals(session=db.session, login=login, now=clock.now())
    account = service.active_account(session=db.session, account_id=login.account_id)
    if request.method == "POST":
        web_session.check_csrf(login)
        if request.form.get("decision") != "approve" or account is None or login.level < needed:
            return web_session.save(_refuse(grant, row), login)
        return web_session.save(_approve(grant, row, login, account), login)
    context = {"client": client, "row": row, "needed": needed, "csrf": login.csrf}
    if account is None:
        shown = login_requests.show(session=db.session, login=login, client=client, account_id=None, now=clock.now())
        return web_session.save(_page("oidc/login.html", qr=shown, **context), login)
    if login.level < needed:
        if account.level < needed:
            return web_session.save(_page("oidc/level.html", account=account, **context), login)
        shown = login_requests.show(
            session=db.session, login=login, client=client, account_id=account.id, now=clock.now()
        )
        return web_session.save(_page("oidc/stepup.html", qr=shown, **context), login)
    fields = claims.labelled(claims.fields_for(grant.request.payload.scope))
    return web_session.save(_page("oidc/consent.html", fields=fields, account=account, **context), login)


def _origins(uris: list[str]) -> set[str]:
    return {f"{part.scheme}://{part.netloc}" for part in map(urlparse, uris)}


def _refuse(grant, row):
    """The citizen said no (or could not reach the level): the party hears access_denied, not an error page."""
    service.finish_pushed_request(session=db.session, row=row, now=clock.now())
    return authorization.create_authorization_response(grant.request, grant_user=None, grant=grant)


def _approve(grant, row, login, account):
    now = clock.now()
    approval = service.approve(
        session=db.session,
        account=account,
        client=grant.client,
        scope=grant.request.payload.scope,
        auth_time=login.auth_datetime,
        acr=login.acr,
        amr=login.amr,
        now=now,
    )
    service.finish_pushed_request(session=db.session, row=row, now=now)
    return authorization.create_authorization_response(grant.request, grant_user=approval, grant=grant)


_LOGIN_REFUSED_VI = {
    False: "Số định danh hoặc mật khẩu không đúng.",
    True: "Bạn đã nhập sai quá nhiều lần. Vui lòng đợi một lúc rồi thử lại.",
}


@bp.route("/oidc/login", methods=["POST"])
@form_body
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])
@unit_of_work
def login_with_password():
    grant, failure = _authorization_grant()
    if failure:
        return failure
    login = web_session.load()
    web_session.check_csrf(login)
    try:
        # A refused password is caught here, so the unit of work commits the back-off's recorded failure.
        account = service.login_with_password(
            session=db.session,
            personal_id=request.form.get("personal_id", "").strip(),
            password=request.form.get("password", ""),
            address=request.remote_addr,
        )
    except (Unauthenticated, TooManyAttempts) as error:
        shown = login_requests.show(
            session=db.session, login=login, client=grant.client, account_id=None, now=clock.now()
        )
        page = _page(
            "oidc/login.html",
            client=grant.client,
            row=grant.request.pushed_request,
            csrf=login.csrf,
            needed=service.required_level(grant.client, grant.request.payload.data),
            qr=shown,
            error=error.detail,
            error_vi=_LOGIN_REFUSED_VI[type(error) is TooManyAttempts],
        )
        return web_session.save(page, login), error.status
    login.sign_in(account.id, int(clock.now().timestamp()), acr="1", amr=["pwd"])
    return web_session.save(_back_to_authorize(grant), login)


# --- token, userinfo, logout ----------------------------------------------------------------------------
@bp.route("/oidc/token", methods=["POST"])
@form_body
@unit_of_work
def token():
    return authorization.create_token_response()


@bp.route("/oidc/userinfo", methods=["GET"])
@unit_of_work
def userinfo():
    issued, failure = _bearer("openid")
    if failure:
        return failure
    released = tokens.release_claims(session=db.session, token=issued, now=clock.now(), record_type="oidc-userinfo")
    return jsonify(released)


def _bearer(scope: str):
    try:
        return protected.acquire_token([scope]), None
    except OAuth2Error as error:  # RFC 6750 3: the status and WWW-Authenticate say why
        return None, (jsonify(dict(error.get_body())), error.status_code, error.get_headers())


@bp.route("/oidc/ekyc/challenges", methods=["POST"])
@unit_of_work
def ekyc_challenge():
    """A nonce for the chip's Active Authentication, for the party's own chip read."""
    issued, failure = _bearer("ekyc")
    if failure:
        return failure
    row = ekyc.challenge(session=db.session, token=issued, now=clock.now())
    return jsonify(
        {
            "challenge_id": row.public_id,
            "challenge": base64.b64encode(row.nonce).decode(),
            "expires_at": row.expires_at.isoformat(),
        }
    ), 201


@bp.route("/oidc/ekyc", methods=["POST"])
@unit_of_work
def ekyc_check():
    """Chip evidence the party read -> genuine? matches the registry? holder alive? (audited)"""
    issued, failure = _bearer("ekyc")
    if failure:
        return failure
    try:
        evidence = ChipEvidenceSchema().load(request.get_json(silent=True) or {})
    except ValidationError as error:
        raise ValidationFailed("The chip evidence is malformed.", errors=error.messages) from None
    return jsonify(ekyc.check(session=db.session, token=issued, evidence=evidence, now=clock.now()))


@bp.route("/oidc/logout", methods=["GET", "POST"], endpoint="end_session")
@form_body
@unit_of_work
def end_session():
    """RP-initiated logout 1.0: the provider's login ends; the party's redirect is honoured only when it was
    registered and the id_token_hint is ours."""
    response = authorization.create_endpoint_response("end_session")
    if response is None:
        response = _page("oidc/logged_out.html")
    return web_session.clear(make_response(response))
