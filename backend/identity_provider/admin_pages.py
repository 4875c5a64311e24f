"""Administrators' pages for relying parties: list, register, suspend and reinstate. Server-rendered like the
fleet dashboard, with a signed session cookie (SameSite=Strict, path /oidc/admin) made by the same helpers."""

from __future__ import annotations

import hmac
import json
import secrets

from flask import Blueprint, abort, g, make_response, redirect, render_template, request, url_for
from itsdangerous import BadSignature
from marshmallow import ValidationError

from backend.auth import service as auth_service
from backend.auth import throttle
from backend.auth.console import cookie_secure
from backend.auth.models import Account
from backend.auth.web_session import cookie_serializer as _serializer
from backend.core import clock
from backend.core.access import ADMIN, Principal
from backend.core.unit_of_work import unit_of_work
from backend.errors import DomainError, Unauthenticated
from backend.extensions import db
from backend.identity_provider import claims, service
from shared_schemas.identity_provider import RelyingPartyCreateSchema

bp = Blueprint("oidc_admin", __name__, url_prefix="/oidc/admin", template_folder="templates")
COOKIE, _SALT, MAX_AGE_S = "congdan_idp_admin", "oidc-admin-session", 8 * 3600
_FORM = ("application/x-www-form-urlencoded",)
_CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"


def _form(view):
    view.accepts_content_types = _FORM
    return view


@bp.before_request
def _session():
    g.admin, g.admin_csrf = None, None
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data = _serializer(_SALT).loads(raw, max_age=MAX_AGE_S)
            account = db.session.get(Account, data["a"])
            if account is not None and account.role == ADMIN and account.status == "active":
                g.admin = Principal(
                    account_id=account.id,
                    role=ADMIN,
                    level=2,
                    family_id="",
                    label=account.display_name or account.username,
                )
                g.admin_csrf = data["c"]
        except (BadSignature, KeyError, TypeError):
            pass
    if g.admin is None and request.endpoint != "oidc_admin.login":
        return redirect(url_for("oidc_admin.login"))
    if (
        request.method == "POST"
        and g.admin is not None
        and not hmac.compare_digest(request.form.get("csrf_token", "").encode(), (g.admin_csrf or "").encode())
    ):
        abort(400, "The form has expired; reload the page.")
    return None


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = _CSP
    return response


@bp.route("/login", methods=["GET", "POST"])
@_form
@unit_of_work
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        try:
            account = throttle.attempt(
                db.session,
                scope="oidc-admin",
                account=username,
                address=request.remote_addr,
                failures=(Unauthenticated,),
                action=lambda: _admin(username),
            )
            response = make_response(redirect(url_for("oidc_admin.parties"), code=303))
            value = _serializer(_SALT).dumps({"a": account.id, "c": secrets.token_urlsafe(24)})
            response.set_cookie(
                COOKIE,
                value,
                max_age=MAX_AGE_S,
                path="/oidc/admin",
                httponly=True,
                samesite="Strict",
                secure=cookie_secure(),
            )
            return response
        except DomainError as refused:
            error = refused.detail
    return render_template("oidc/admin_login.html", error=error), 401 if error else 200


def _admin(username: str) -> Account:
    account = auth_service.authenticate(
        session=db.session, username=username, password=request.form.get("password", "")
    )
    if account.role != ADMIN:
        raise Unauthenticated(auth_service.LOGIN_FAILED)
    return account


@bp.route("/")
@unit_of_work
def parties():
    return render_template(
        "oidc/admin_parties.html",
        parties=service.list_relying_parties(session=db.session),
        csrf=g.admin_csrf,
        admin=g.admin,
    )


@bp.route("/<string:client_id>/status", methods=["POST"])
@_form
@unit_of_work
def change_status(client_id):
    status = "suspended" if request.form.get("status") == "suspended" else "active"
    service.set_relying_party_status(session=db.session, client_id=client_id, status=status)
    return redirect(url_for("oidc_admin.parties"), code=303)


@bp.route("/new", methods=["GET", "POST"])
@_form
@unit_of_work
def register():
    errors, secret, form = None, None, request.form
    if request.method == "POST":
        try:
            data = RelyingPartyCreateSchema().load(
                {
                    "client_id": form.get("client_id", "").strip(),
                    "name": form.get("name", "").strip(),
                    "purpose": form.get("purpose", "").strip(),
                    "legal_basis": form.get("legal_basis", "").strip(),
                    "sector": form.get("sector", "").strip() or None,
                    "redirect_uris": form.get("redirect_uris", "").split(),
                    "post_logout_redirect_uris": form.get("post_logout_redirect_uris", "").split(),
                    "scopes": form.getlist("scopes"),
                    "level_required": int(form.get("level_required", "1")),
                    "auth_method": form.get("auth_method", ""),
                    "jwks": json.loads(form["jwks"]) if form.get("jwks", "").strip() else None,
                    "consent_days": int(form.get("consent_days") or 90),
                }
            )
            with db.session.begin_nested():  # a refused registration leaves nothing behind on this page
                party, secret = service.register_relying_party(
                    session=db.session, principal=g.admin, data=data, now=clock.now()
                )
            return render_template("oidc/admin_registered.html", party=party, secret=secret)
        except ValidationError as invalid:
            errors = invalid.messages
        except ValueError:
            errors = {"jwks": ["Not valid JSON."]}
        except DomainError as refused:
            errors = {"": [refused.detail]}
    return render_template(
        "oidc/admin_new.html", scopes=claims.SCOPES, fields=claims.FIELDS, errors=errors, form=form, csrf=g.admin_csrf
    ), 422 if errors else 200
