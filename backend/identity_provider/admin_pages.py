"""Administrators' pages for relying parties: list, register, suspend and reinstate. Server-rendered, signed in
through the one console login (backend/auth/console.py: its session, CSRF tokens and back-off)."""

from __future__ import annotations

import json

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from backend.auth.console import CONSOLE, register_console, signed_in
from backend.core import clock
from backend.core.access import ADMIN
from backend.errors import DomainError
from backend.extensions import db
from backend.identity_provider import claims, service
from shared_schemas.identity_provider import RelyingPartyCreateSchema

bp = Blueprint("oidc_admin", __name__, url_prefix="/oidc/admin", template_folder="templates")
_CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
admin_only = signed_in(ADMIN)
register_console("oidc_admin.parties", (ADMIN,), "Dịch vụ dùng định danh", "Relying parties")


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = _CSP
    return response


@bp.route("/login")
def login():
    """Bookmarks of the old login page land on the one console login."""
    return redirect(url_for("consoles.login"))


@bp.route("/")
@admin_only
def parties():
    return render_template(
        "oidc/admin_parties.html",
        parties=service.list_relying_parties(session=db.session),
        csrf=CONSOLE.csrf_token(),
        admin=CONSOLE.principal(),
    )


@bp.route("/<string:client_id>/status", methods=["POST"])
@admin_only
def change_status(client_id):
    status = "suspended" if request.form.get("status") == "suspended" else "active"
    service.set_relying_party_status(session=db.session, client_id=client_id, status=status)
    return redirect(url_for("oidc_admin.parties"), code=303)


@bp.route("/new", methods=["GET", "POST"])
@admin_only
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
                    session=db.session, principal=CONSOLE.principal(), data=data, now=clock.now()
                )
            return render_template("oidc/admin_registered.html", party=party, secret=secret)
        except ValidationError as invalid:
            errors = invalid.messages
        except ValueError:
            errors = {"jwks": ["Not valid JSON."]}
        except DomainError as refused:
            errors = {"": [refused.detail]}
    return render_template(
        "oidc/admin_new.html",
        scopes=claims.SCOPES,
        fields=claims.FIELDS,
        errors=errors,
        form=form,
        csrf=CONSOLE.csrf_token(),
    ), 422 if errors else 200
