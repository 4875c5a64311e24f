"""Device tokens: a kiosk proves it holds its enrolled key by signing a server challenge, and gets a
short-lived access token (role kiosk, scoped to its hospital)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_jwt_extended import create_access_token
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth import tokens
from backend.auth.models import Account, TokenFamily
from backend.errors import Unauthenticated
from backend.fleet.device import KioskSuspended
from backend.fleet.kiosk_keys import signature_valid
from backend.fleet.models import Kiosk, RequestNonce
from backend.fleet.settings import fleet_setting
from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_encode


def _challenge_mac(kiosk_id: str, body: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    message = f"congdan-fleet-challenge-v1|{kiosk_id}|{body}".encode("ascii")
    return b64url_encode(hmac.new(key, message, hashlib.sha256).digest()[:16])


def issue_challenge(*, session: Session, kiosk_id: str, now: datetime) -> str:
    """A challenge that carries its own proof (the kiosk id and expiry under our MAC) instead of a per-kiosk
    slot: asking for challenges, from anywhere and as often as allowed, never replaces the kiosk's own, so
    knowing a kiosk id cannot stop it getting a token. Unknown ids get one too, so ids cannot be probed."""
    expires = int(now.timestamp()) + int(fleet_setting("FLEET_CHALLENGE_TTL_S"))
    body = f"{expires:x}.{secrets.token_urlsafe(12)}"
    return f"{body}.{_challenge_mac(kiosk_id, body)}"


def _challenge_nonce(kiosk_id: str, challenge: str, now: datetime) -> tuple[str, datetime] | None:
    """The challenge's single-use nonce and expiry when it is ours, for this kiosk and still fresh."""
    parts = challenge.split(".")
    if len(parts) != 3:
        return None
    if not secrets.compare_digest(parts[2], _challenge_mac(kiosk_id, f"{parts[0]}.{parts[1]}")):
        return None
    expires = datetime.fromtimestamp(int(parts[0], 16), now.tzinfo)
    return (f"challenge:{parts[1]}", expires) if expires > now else None


def _spend(session: Session, kiosk_id: str, nonce: str, expires: datetime) -> bool:
    """One attempt per challenge. Kept with the signed-request nonces, dated at its expiry so that the
    clean-up never forgets it while it could still be presented."""
    try:
        with session.begin_nested():
            session.add(RequestNonce(kiosk_id=kiosk_id, nonce=nonce, seen_at=expires))
            session.flush()
    except IntegrityError:
        return False
    return True


def issue_device_token(
    *, session: Session, kiosk_id: str, challenge: str, signature: str, now: datetime
) -> tuple[str, int]:
    """A short-lived access token (role kiosk, scoped to its hospital) for a signed, unspent challenge."""
    kiosk = session.get(Kiosk, kiosk_id)
    spent = _challenge_nonce(kiosk_id, challenge, now)
    genuine = (
        kiosk is not None
        and spent is not None
        and _spend(session, kiosk_id, *spent)
        and signature_valid(
            kiosk.public_key,
            signature,
            contract.challenge_signing_input(kiosk_id=kiosk_id, challenge=challenge),
        )
    )
    if not genuine:
        raise Unauthenticated("The challenge response was refused.")
    if kiosk.status != "active":
        raise KioskSuspended(f"Kiosk {kiosk.id} is {kiosk.status}.")
    account = session.get(Account, kiosk.account_id)
    if kiosk.token_family_id is None or tokens.is_family_revoked(session, kiosk.token_family_id):
        family = TokenFamily(
            id=secrets.token_hex(16), account_id=account.id, created_at=now, client=f"fleet:{kiosk.id}"
        )
        session.add(family)
        session.flush()
        kiosk.token_family_id = family.id
    ttl = timedelta(minutes=fleet_setting("FLEET_DEVICE_TOKEN_MINUTES"))
    token = create_access_token(
        identity=str(account.id),
        expires_delta=ttl,
        additional_claims=tokens._claims(account, kiosk.token_family_id),
    )
    return token, int(ttl.total_seconds())
