"""The provider's rules outside the OAuth exchange itself: registering relying parties, pushed requests, the
citizen's login and consent, pairwise subjects."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import InvalidScopeError
from flask import current_app
from sqlalchemy.orm import Session

from backend.auth import passwords, throttle
from backend.auth import service as auth_service
from backend.auth.models import Account
from backend.consent import service as consent_service
from backend.consent.models import ConsentReceipt
from backend.core.access import Principal
from backend.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from backend.identity_provider import claims
from backend.identity_provider.models import CLIENT_SECRET_BASIC, PRIVATE_KEY_JWT, PushedRequest, RelyingParty
from shared_schemas.signed import b64url_encode

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
PUSHED_REQUEST_LIFETIME = timedelta(minutes=5)  # a person logs in and reads the consent page within it
COLLECTED_VIA = "congdan-login"


@dataclass(frozen=True)
class Approval:
    """What the citizen approved on the consent page, carried into the authorization code."""

    account: Account
    consent: ConsentReceipt
    auth_time: datetime
    acr: str
    amr: tuple[str, ...]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def pairwise_subject(relying_party: RelyingParty, account_id: int) -> str:
    """OIDC Core 8.1: one sector sees one stable `sub`, another sector a different, unlinkable one."""
    key = current_app.config["OIDC_PAIRWISE_SECRET"].encode()  # changing it changes every sub
    mac = hmac.new(key, f"oidc-pairwise|{relying_party.sector}|{account_id}".encode(), hashlib.sha256)
    return b64url_encode(mac.digest())


# --- relying parties (administrator) ------------------------------------------------------------------------
def register_relying_party(
    *, session: Session, principal: Principal, data: dict, now: datetime
) -> tuple[RelyingParty, str | None]:
    """Returns the party and, for client_secret_basic, its secret (shown once, stored hashed)."""
    if session.scalar(sa.select(RelyingParty.id).where(RelyingParty.client_id == data["client_id"])):
        raise Conflict(f"Client {data['client_id']!r} is already registered.")
    unknown = [s for s in data["scopes"] if s not in claims.SCOPES]
    if unknown:
        raise ValidationFailed(f"Unknown scopes: {', '.join(unknown)}.")
    scopes = ["openid"] + [s for s in data["scopes"] if s != "openid"]
    secret = None
    if data["auth_method"] == PRIVATE_KEY_JWT:
        if not data.get("jwks"):
            raise ValidationFailed("A private_key_jwt client must publish its public keys (jwks).")
    elif data["auth_method"] == CLIENT_SECRET_BASIC:
        secret = secrets.token_urlsafe(32)
    party = RelyingParty(
        client_id=data["client_id"],
        name=data["name"],
        purpose=data["purpose"],
        legal_basis=data["legal_basis"],
        sector=data.get("sector") or data["client_id"],
        redirect_uris=json.dumps(data["redirect_uris"]),
        post_logout_redirect_uris=json.dumps(data.get("post_logout_redirect_uris", [])),
        scopes=" ".join(scopes),
        level_required=data["level_required"],
        auth_method=data["auth_method"],
        secret_hash=passwords.hash_password(secret) if secret else None,
        jwks=json.dumps(data["jwks"]) if data.get("jwks") else None,
        consent_days=data.get("consent_days", 90),
        status="active",
        created_at=now,
        created_by=principal.account_id,
    )
    session.add(party)
    session.flush()
    return party, secret


def set_relying_party_status(*, session: Session, client_id: str, status: str) -> RelyingParty:
    party = get_relying_party(session=session, client_id=client_id)
    party.status = status
    session.flush()
    return party


def get_relying_party(*, session: Session, client_id: str) -> RelyingParty:
    party = session.scalar(sa.select(RelyingParty).where(RelyingParty.client_id == client_id))
    if party is None:
        raise NotFound("No such relying party.")
    return party


def list_relying_parties(*, session: Session) -> list[RelyingParty]:
    return list(session.scalars(sa.select(RelyingParty).order_by(RelyingParty.client_id)))


def find_client(*, session: Session, client_id: str | None) -> RelyingParty | None:
    if not client_id:
        return None
    party = session.scalar(sa.select(RelyingParty).where(RelyingParty.client_id == client_id))
    return party if party is not None and party.status == "active" else None


# --- pushed authorization requests (RFC 9126) ----------------------------------------------------------
def push_request(*, session: Session, client: RelyingParty, parameters: dict, now: datetime) -> dict:
    reference = secrets.token_urlsafe(32)
    session.add(
        PushedRequest(
            reference=reference,
            client_id=client.client_id,
            parameters=json.dumps(parameters),
            created_at=now,
            expires_at=now + PUSHED_REQUEST_LIFETIME,
        )
    )
    session.flush()
    return {"request_uri": REQUEST_URI_PREFIX + reference, "expires_in": int(PUSHED_REQUEST_LIFETIME.total_seconds())}


def pushed_request(*, session: Session, client_id: str, request_uri: str, now: datetime) -> PushedRequest | None:
    """The pushed request behind a request_uri, if it is this client's, unused and not expired."""
    if not request_uri.startswith(REQUEST_URI_PREFIX):
        return None
    row = session.scalar(
        sa.select(PushedRequest).where(PushedRequest.reference == request_uri.removeprefix(REQUEST_URI_PREFIX))
    )
    if row is None or row.client_id != client_id or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def check_requested_scope(client: RelyingParty, scope: str) -> None:
    """Every scope asked for must be registered for the party: a service gets nothing it did not declare."""
    asked = scope.split()
    if "openid" not in asked:
        raise InvalidScopeError("The 'openid' scope is required.")
    undeclared = [s for s in asked if s not in client.scope_list]
    if undeclared:
        raise InvalidScopeError(f"Scopes not registered for this service: {', '.join(undeclared)}.")


def required_level(client: RelyingParty, parameters: dict) -> int:
    """The party's registered level, raised to 2 when it asks for it with acr_values."""
    asked = str(parameters.get("acr_values") or "").split()
    return max(client.level_required, 2 if "2" in asked else 1)


# --- the citizen at the login and consent pages ------------------------------------------------------------
def login_with_password(*, session: Session, personal_id: str, password: str, address: str | None) -> Account:
    """Only citizens' accounts log in to relying parties; failures back off like the app's login."""

    def check() -> Account:
        account = auth_service.authenticate(session=session, username=personal_id, password=password)
        if account.citizen_id is None:
            raise Unauthenticated(auth_service.LOGIN_FAILED)
        return account

    return throttle.attempt(
        session,
        scope="oidc-login",
        account=personal_id,
        address=address,
        action=check,
        failures=(Unauthenticated,),
        ahead=auth_service.check_password_ahead(personal_id, password),
    )


def active_account(*, session: Session, account_id: int | None) -> Account | None:
    account = session.get(Account, account_id) if account_id else None
    return account if account is not None and account.status == "active" and account.citizen_id else None


def approve(
    *,
    session: Session,
    account: Account,
    client: RelyingParty,
    scope: str,
    auth_time: datetime,
    acr: str,
    amr: list[str],
    now: datetime,
) -> Approval:
    """The citizen approved the consent page: the receipt names exactly the fields the scopes release."""
    receipt = consent_service.grant(
        session=session,
        citizen_id=account.citizen_id,
        recipient_code=client.client_id,
        recipient_name=client.name,
        fields=claims.fields_for(scope) or ["sub"],
        purpose=client.purpose,
        legal_basis=client.legal_basis,
        collected_via=COLLECTED_VIA,
        granted_at=now,
        valid_until=now + timedelta(days=client.consent_days),
    )
    return Approval(account=account, consent=receipt, auth_time=auth_time, acr=acr, amr=tuple(amr))


def finish_pushed_request(*, session: Session, row: PushedRequest, now: datetime) -> None:
    row.used_at = now
    session.flush()
