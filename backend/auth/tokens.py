"""Access and refresh tokens (flask-jwt-extended), rotation with reuse detection, revocation.

Revocation state lives in the database (token_families), so it survives restarts and every server
process sees it; each process caches it (backend/auth/token_state.py), so checking it costs no database round
trip on the hot path.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token
from sqlalchemy.orm import Session

from backend.auth import token_state
from backend.auth.models import Account, RefreshToken, TokenFamily
from backend.core import clock
from backend.errors import Unauthenticated, problem_response


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def _claims(account: Account, family_id: str) -> dict:
    claims = {
        "role": account.role,
        "lvl": account.level,
        "fam": family_id,
        "type": "access",
        "name": account.display_name or account.username,
    }
    if account.citizen_id is not None:
        claims["cid"] = account.citizen_id
    if account.scope_code:
        claims["scope"] = account.scope_code
    return claims


def _mint(session: Session, account: Account, family_id: str) -> TokenPair:
    now = clock.now()
    jti = uuid.uuid4().hex
    refresh_ttl = current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    access_ttl = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    session.add(RefreshToken(jti=jti, family_id=family_id, issued_at=now, expires_at=now + refresh_ttl))
    access = create_access_token(identity=str(account.id), additional_claims=_claims(account, family_id))
    refresh = create_refresh_token(
        identity=str(account.id), additional_claims={"fam": family_id, "jti": jti, "type": "refresh"}
    )
    return TokenPair(access, refresh, int(access_ttl.total_seconds()))


def start_session(session: Session, account: Account, *, client: str | None) -> TokenPair:
    family = TokenFamily(id=uuid.uuid4().hex, account_id=account.id, created_at=clock.now(), client=client)
    session.add(family)
    session.flush()
    return _mint(session, account, family.id)


def revoke_family(session: Session, family_id: str, reason: str) -> None:
    session.execute(
        sa.update(TokenFamily)
        .where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason)
    )


def rotate(*, session: Session, jti: str, family_id: str, account_id: int) -> TokenPair:
    """Spend a refresh token and mint the next pair. A second use of the same token means it leaked:
    the whole family is revoked and the caller must log in again.
    """
    family = session.get(TokenFamily, family_id)
    if family is None or family.revoked_at is not None or family.account_id != account_id:
        raise Unauthenticated("This session has ended. Please log in again.")
    # Atomic claim: of two concurrent refreshes with one token, exactly one gets rowcount 1.
    spent = session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.jti == jti, RefreshToken.family_id == family_id, RefreshToken.used_at.is_(None))
        .values(used_at=clock.now())
    )
    if spent.rowcount != 1 and not _within_reuse_grace(session, jti, family_id):
        revoke_family(session, family_id, "refresh-token-reuse")
        raise Unauthenticated(
            "This refresh token was already used; the session has been closed for safety. Please log in again."
        )
    account = session.get(Account, account_id)
    if account is None or account.status != "active":
        revoke_family(session, family_id, "account-disabled")
        raise Unauthenticated("This account is disabled.")
    return _mint(session, account, family_id)


def _within_reuse_grace(session: Session, jti: str, family_id: str) -> bool:
    """Two tabs (or a retry after a lost response) refreshing with one token within a few seconds is a race,
    not a theft: the later one gets a sibling pair of the same family instead of ending the session. Later
    reuse still revokes the family."""
    used_at = session.scalar(
        sa.select(RefreshToken.used_at).where(RefreshToken.jti == jti, RefreshToken.family_id == family_id)
    )
    grace = timedelta(seconds=current_app.config.get("REFRESH_REUSE_GRACE_S", 10))
    return used_at is not None and clock.now() - used_at <= grace


def is_token_refused(session: Session, payload: dict) -> bool:
    """A token is only as good as the account it names, as that account is now: its family must be live and
    belong to the subject, the account active, and an access token's role, level and scope those the account
    has at this moment. So demoting, rescoping or disabling an account refuses its tokens (within seconds in every
    process: backend/auth/token_state.py), and claims copied between accounts' tokens are worthless."""
    return token_state.is_token_refused(session, payload)


def is_family_revoked(session: Session, family_id: str | None) -> bool:
    if not family_id:
        return True
    row = session.execute(sa.select(TokenFamily.revoked_at).where(TokenFamily.id == family_id)).first()
    return row is None or row.revoked_at is not None


def register_jwt_callbacks(jwt: JWTManager) -> None:
    from backend.extensions import db

    @jwt.token_in_blocklist_loader
    def _revoked(_header, payload) -> bool:
        return is_token_refused(db.session, payload)

    def _unauth(detail: str, code: str = "unauthenticated"):
        return problem_response(
            401, "Unauthorized", detail, code=code, headers={"WWW-Authenticate": 'Bearer realm="congdan"'}
        )

    jwt.unauthorized_loader(lambda reason: _unauth("Log in first: this service needs an access token."))
    jwt.invalid_token_loader(lambda reason: _unauth("The access token is not valid.", "invalid-token"))
    jwt.expired_token_loader(
        lambda h, p: _unauth("The token has expired. Refresh it or log in again.", "token-expired")
    )
    jwt.revoked_token_loader(lambda h, p: _unauth("This session has ended. Please log in again.", "token-revoked"))
    jwt.user_lookup_error_loader(lambda h, p: _unauth("The account no longer exists."))
    jwt.needs_fresh_token_loader(lambda h, p: _unauth("Please log in again to continue.", "fresh-required"))
    jwt.token_verification_failed_loader(lambda h, p: _unauth("The token was refused."))
