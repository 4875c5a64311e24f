"""Logging in by app approval: the provider's page shows a QR naming a pending login request; the citizen's app,
which registered an Ed25519 device key when the account was activated on that phone, approves or denies it
with a signature. Only the browser that showed the QR (it holds the request's secret binding in its signed
session) is logged in by the approval."""

from __future__ import annotations

import base64
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

import segno
import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth.models import Account
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.core.clock import local_date
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.identity_provider.models import DeviceKey, LoginRequest, RelyingParty
from backend.identity_provider.service import digest
from backend.identity_provider.web_session import LoginSession
from backend.registry.models import Citizen
from backend.registry.service import officer_covers_citizen
from shared_schemas.signed import b64url_decode

LIFETIME = timedelta(minutes=3)
QR_PREFIX = "congdan-login:"
MAX_KEYS_PER_ACCOUNT = 5


def approval_message(request: LoginRequest, decision: str) -> bytes:
    """What the app signs: the request, the party it logs into, and the answer."""
    return f"congdan-login-approval\n{request.public_id}\n{request.client_id}\n{decision}".encode()


# --- the browser side ---------------------------------------------------------------------------------------
def show(*, session: Session, login: LoginSession, client: RelyingParty, account_id: int | None, now: datetime) -> dict:
    """The QR for this browser: its pending request for this party (and account) or a new one."""
    for public_id in list(login.pending):
        row = _by_public_id(session, public_id)
        if (
            row is not None
            and row.status == "pending"
            and row.expires_at > now
            and row.client_id == client.client_id
            and row.account_id == account_id
        ):
            return _qr(row)
    binding = secrets.token_urlsafe(24)
    row = LoginRequest(
        public_id=uuid.uuid4().hex,
        browser_binding=digest(binding),
        client_id=client.client_id,
        account_id=account_id,
        status="pending",
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(row)
    session.flush()
    login.pending = dict(list(login.pending.items())[-2:]) | {row.public_id: binding}
    return _qr(row)


def _qr(row: LoginRequest) -> dict:
    payload = QR_PREFIX + row.public_id
    return {
        "public_id": row.public_id,
        "payload": payload,
        "expires_at": row.expires_at,
        "svg": segno.make(payload, error="m").svg_data_uri(scale=5, border=2),
    }


def collect_approvals(*, session: Session, login: LoginSession, now: datetime) -> bool:
    """Apply the app's answers to this browser's pending requests; True when the session changed."""
    changed = False
    for public_id, binding in list(login.pending.items()):
        row = _by_public_id(session, public_id)
        if (
            row is None
            or row.expires_at <= now
            or row.status in ("denied", "used")
            or not hmac.compare_digest(row.browser_binding, digest(binding))
        ):
            del login.pending[public_id]
            changed = True
            continue
        if row.status != "approved":
            continue
        account = session.get(Account, row.account_id)
        row.status = "used"
        del login.pending[public_id]
        changed = True
        if account is not None and account.status == "active":
            # Level 2 is a chip-verified account (possession.py) proven now by its bound device.
            login.sign_in(
                account.id, int(row.decided_at.timestamp()), acr="2" if account.level >= 2 else "1", amr=["hwk", "user"]
            )
    return changed


def _by_public_id(session: Session, public_id: str) -> LoginRequest | None:
    return session.scalar(sa.select(LoginRequest).where(LoginRequest.public_id == public_id))


# --- the app side ---------------------------------------------------------------------------------------
def _citizen(principal: Principal) -> None:
    if principal.role != CITIZEN:
        raise Forbidden("Only a citizen's app binds device keys and approves logins.")


def register_device_key(
    *, session: Session, principal: Principal, public_key: str, label: str, now: datetime
) -> DeviceKey:
    _citizen(principal)
    try:
        raw = b64url_decode(public_key)
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValidationFailed("public_key must be a raw Ed25519 public key (32 bytes, base64url).") from None
    active = list_device_keys(session=session, principal=principal)
    if len(active) >= MAX_KEYS_PER_ACCOUNT:
        raise Conflict("Too many bound devices: unbind one first.")
    key = DeviceKey(
        public_id=uuid.uuid4().hex,
        account_id=principal.account_id,
        public_key=base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
        label=label,
        created_at=now,
    )
    session.add(key)
    session.flush()
    return key


def list_device_keys(*, session: Session, principal: Principal) -> list[DeviceKey]:
    _citizen(principal)
    return list(
        session.scalars(
            sa.select(DeviceKey)
            .where(DeviceKey.account_id == principal.account_id, DeviceKey.unbound_at.is_(None))
            .order_by(DeviceKey.created_at)
        )
    )


def unbind_device_key(*, session: Session, principal: Principal, key_id: str, now: datetime) -> DeviceKey:
    _citizen(principal)
    key = session.scalar(sa.select(DeviceKey).where(DeviceKey.public_id == key_id))
    if key is None or key.account_id != principal.account_id:
        raise NotFound("No such device key.")
    if key.unbound_at is None:
        key.unbound_at, key.unbound_by = now, principal.account_id
        session.flush()
    return key


def unbind_for_citizen(
    *, session: Session, principal: Principal, personal_id: str, reason: str, now: datetime
) -> list[DeviceKey]:
    """A lost phone reported at a police office: an officer covering the citizen unbinds every device key of
    the citizen's account (audited, the citizen sees it). The app is bound again at the next activation."""
    if principal.role != OFFICER:
        raise Forbidden("Only an officer unbinds another person's phone.")
    citizen = session.scalar(sa.select(Citizen).where(Citizen.personal_id == personal_id))
    if citizen is None or not officer_covers_citizen(principal, citizen, on=local_date(now)):
        raise Forbidden("This citizen is not in your jurisdiction.")
    keys = list(
        session.scalars(
            sa.select(DeviceKey)
            .join(Account, Account.id == DeviceKey.account_id)
            .where(Account.citizen_id == citizen.id, DeviceKey.unbound_at.is_(None))
        )
    )
    for key in keys:
        key.unbound_at, key.unbound_by = now, principal.account_id
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[citizen.id],
        action="update",
        record_type="device-keys",
        purpose=f"unbind lost phone: {reason}"[:200],
    )
    session.flush()
    return keys


def pending_for(*, session: Session, principal: Principal, now: datetime) -> list[LoginRequest]:
    """Step-up requests waiting for this account's approval (a QR login is found by scanning instead)."""
    _citizen(principal)
    return list(
        session.scalars(
            sa.select(LoginRequest)
            .where(
                LoginRequest.account_id == principal.account_id,
                LoginRequest.status == "pending",
                LoginRequest.expires_at > now,
            )
            .order_by(LoginRequest.created_at)
        )
    )


def for_approval(*, session: Session, principal: Principal, request_id: str, now: datetime) -> LoginRequest:
    """A pending request this account may answer: an unbound QR login, or a step-up of this account."""
    _citizen(principal)
    row = _by_public_id(session, request_id)
    if row is None or row.expires_at <= now or (row.account_id not in (None, principal.account_id)):
        raise NotFound("No such login request, or it has expired.")
    return row


def decide(
    *,
    session: Session,
    principal: Principal,
    request_id: str,
    decision: str,
    device_key_id: str,
    signature: str,
    now: datetime,
) -> LoginRequest:
    row = for_approval(session=session, principal=principal, request_id=request_id, now=now)
    if row.status != "pending":
        raise Conflict("This login request was already answered.")
    key = session.scalar(sa.select(DeviceKey).where(DeviceKey.public_id == device_key_id))
    if key is None or key.account_id != principal.account_id or key.unbound_at is not None:
        raise Forbidden("This device is not bound to your account.")
    try:
        Ed25519PublicKey.from_public_bytes(b64url_decode(key.public_key)).verify(
            b64url_decode(signature), approval_message(row, decision)
        )
    except (InvalidSignature, ValueError):
        raise Forbidden("The approval signature does not verify with the bound device key.") from None
    row.status = "approved" if decision == "approve" else "denied"
    row.account_id, row.decided_at, row.device_key_id = principal.account_id, now, key.id
    session.flush()
    return row
