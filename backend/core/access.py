"""Who may call what. Every API route declares its rule with `@access(...)`; a test walks the route
table to make sure none is missing, and the authorization matrix tests walk the rules."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass

from flask import g, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_jwt_extended.internal_utils import (
    custom_verification_for_token,
    verify_token_not_blocklisted,
    verify_token_type,
)

from backend.core.unit_of_work import unit_of_work
from backend.errors import Forbidden, LevelRequired
from backend.extensions import jwt

CITIZEN, OFFICER, HOSPITAL_STAFF, FLEET_ADMIN, KIOSK, AGENCY, ADMIN = (
    "citizen",
    "officer",
    "hospital_staff",
    "fleet_admin",
    "kiosk",
    "agency",
    "admin",
)
ALL_ROLES = (CITIZEN, OFFICER, HOSPITAL_STAFF, FLEET_ADMIN, KIOSK, AGENCY, ADMIN)
STAFF_ROLES = (OFFICER, HOSPITAL_STAFF, FLEET_ADMIN, AGENCY, ADMIN)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, built from the access token's claims."""

    account_id: int
    role: str
    level: int
    label: str
    family_id: str
    citizen_id: int | None = None
    scope_code: str | None = None

    @property
    def client_kind(self) -> str:
        return "kiosk" if self.role == KIOSK else "address"

    @property
    def client_id(self) -> str:
        if self.role == KIOSK:
            return self.scope_code or self.label
        if not request:
            return "cli"
        return request.remote_addr or "unknown"

    def is_citizen(self, citizen_id: int) -> bool:
        return self.role == CITIZEN and self.citizen_id == citizen_id


@dataclass(frozen=True)
class AccessRule:
    roles: tuple[str, ...]
    level: int | None
    public: bool = False


def principal_from_claims(claims: dict) -> Principal:
    return Principal(
        account_id=int(claims["sub"]),
        role=claims["role"],
        level=int(claims.get("lvl", 1)),
        label=claims.get("name", claims["sub"]),
        family_id=claims["fam"],
        citizen_id=claims.get("cid"),
        scope_code=claims.get("scope"),
    )


def current_principal() -> Principal:
    return g.principal


BEARER_SCHEME = "bearerAuth"


def document_security(view, requirement: list) -> None:
    """Declare the operation's security in the OpenAPI document (flask-smorest reads `_apidoc`)."""
    apidoc = copy.deepcopy(getattr(view, "_apidoc", {}))
    apidoc.setdefault("manual_doc", {})["security"] = requirement
    view._apidoc = apidoc


def _request_claims() -> dict:
    """The request's verified token claims. A token this process verified before comes from the cache
    (backend/extensions.py: `cached_bearer`) with the checks flask-jwt-extended runs after decoding - the token
    type, the revocation check, a custom verification - raising the same errors, so the answers are the same; on
    the busiest reads that skips a third of the guard's CPU (the library re-parses the header and decodes the
    token's header unverified on every request). Anything else goes through flask-jwt-extended in full."""
    cached = jwt.cached_bearer(request.headers.get("Authorization"))
    if cached is None:
        verify_jwt_in_request()
        return get_jwt()
    header, claims = cached
    verify_token_type(claims, refresh=False)
    verify_token_not_blocklisted(header, claims)
    custom_verification_for_token(header, claims)
    return claims


def access(*roles: str, level: int | None = None):
    """Allow only these roles; citizens additionally need account `level` (1 or 2) when given. The view runs
    as one unit of work (backend/core/unit_of_work.py)."""

    rule = AccessRule(tuple(roles), level)

    def decorate(view):
        view = unit_of_work(view)

        @functools.wraps(view)
        def guarded(*args, **kwargs):
            claims = _request_claims()
            if claims.get("type") != "access":
                raise Forbidden("An access token is required here.")
            principal = principal_from_claims(claims)
            if principal.role not in rule.roles:
                raise Forbidden("Your account is not allowed to use this service.")
            if rule.level and principal.role == CITIZEN and principal.level < rule.level:
                raise LevelRequired(
                    f"This service needs a level-{rule.level} identity account. Your account is level "
                    f"{principal.level}: bring your chip ID card to a police office or a kiosk to raise it.",
                    required_level=rule.level,
                )
            g.principal = principal
            return view(*args, **kwargs)

        guarded.__access__ = rule
        document_security(guarded, [{BEARER_SCHEME: []}])
        return guarded

    return decorate


def public(view):
    """Mark a route as callable without a token (login, registration, verification)."""
    view = unit_of_work(view)
    view.__access__ = AccessRule((), None, public=True)
    document_security(view, [])
    return view
