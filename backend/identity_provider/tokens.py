"""Authorization codes and tokens of the provider, and the release of claims they carry. A code is single-use:
a second presentation revokes everything the first one issued (RFC 6749 4.1.2, OAuth 2.0 Security BCP)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth.models import Account
from backend.consent.models import ConsentReceipt
from backend.core.access import Principal
from backend.core.clock import local_date
from backend.identity_provider import claims
from backend.identity_provider.models import AuthorizationCode, IssuedToken, RelyingParty, UsedClientAssertion
from backend.identity_provider.service import Approval, digest, pairwise_subject
from backend.registry.models import Citizen

CODE_LIFETIME = timedelta(seconds=60)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
RELYING_PARTY_ROLE = "relying_party"


@dataclass(frozen=True)
class Subject:
    """The end user as Authlib's grants see it: the account and its pairwise identifier at this party."""

    account: Account
    sub: str


def save_code(*, session: Session, code: str, client: RelyingParty, payload, approval: Approval, now: datetime) -> None:
    data = payload.data
    session.add(
        AuthorizationCode(
            code_hash=digest(code),
            client_id=client.client_id,
            account_id=approval.account.id,
            redirect_uri=payload.redirect_uri,
            scope=payload.scope,
            nonce=data.get("nonce"),
            code_challenge=data["code_challenge"],
            code_challenge_method=data.get("code_challenge_method", "S256"),
            auth_time=approval.auth_time,
            acr=approval.acr,
            amr=" ".join(approval.amr),
            consent_id=approval.consent.id,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    session.flush()


def find_code(*, session: Session, code: str, client: RelyingParty, now: datetime) -> AuthorizationCode | None:
    row = session.scalar(sa.select(AuthorizationCode).where(AuthorizationCode.code_hash == digest(code)))
    if row is None or row.client_id != client.client_id:
        return None
    if row.used_at is not None:
        revoke_where(session, IssuedToken.code_id == row.id, now, "code replayed")
        return None
    if row.expires_at <= now:
        return None
    return row


def use_code(*, session: Session, code: AuthorizationCode, now: datetime) -> None:
    code.used_at = now
    session.flush()


def subject(*, session: Session, client: RelyingParty, account_id: int) -> Subject | None:
    account = session.get(Account, account_id)
    if account is None or account.status != "active":
        return None
    return Subject(account, pairwise_subject(client, account.id))


def save_token(
    *,
    session: Session,
    token: dict,
    client: RelyingParty,
    user: Subject,
    code: AuthorizationCode | None,
    previous: IssuedToken | None,
    now: datetime,
) -> None:
    origin = code or previous
    session.add(
        IssuedToken(
            access_token_hash=digest(token["access_token"]),
            refresh_token_hash=digest(token["refresh_token"]) if token.get("refresh_token") else None,
            client_id=client.client_id,
            account_id=user.account.id,
            scope=token["scope"],
            consent_id=origin.consent_id,
            code_id=code.id if code else previous.code_id,
            acr=origin.acr,
            amr=origin.amr,
            auth_time=origin.auth_time,
            issued_at=now,
            access_expires_at=now + ACCESS_TOKEN_LIFETIME,
            refresh_expires_at=min(now + REFRESH_TOKEN_LIFETIME, _consent(session, origin.consent_id).valid_until),
        )
    )
    session.flush()


def _consent(session: Session, consent_id: int) -> ConsentReceipt:
    return session.get(ConsentReceipt, consent_id)


def _usable(session: Session, row: IssuedToken | None, now: datetime) -> IssuedToken | None:
    """A token stops working the moment its consent is revoked or expires, or its party is suspended."""
    if row is None or row.revoked_at is not None:
        return None
    party = session.scalar(sa.select(RelyingParty).where(RelyingParty.client_id == row.client_id))
    account = session.get(Account, row.account_id)
    if party is None or party.status != "active" or account is None or account.status != "active":
        return None
    return row if _consent(session, row.consent_id).active_at(now) else None


def find_access_token(*, session: Session, access_token: str, now: datetime) -> IssuedToken | None:
    row = session.scalar(sa.select(IssuedToken).where(IssuedToken.access_token_hash == digest(access_token)))
    return _usable(session, row, now)


def find_refresh_token(*, session: Session, refresh_token: str, now: datetime) -> IssuedToken | None:
    row = session.scalar(sa.select(IssuedToken).where(IssuedToken.refresh_token_hash == digest(refresh_token)))
    if row is not None and row.revoked_reason == "rotated":
        # A rotated refresh token came back: one of the two holders stole it; end the whole grant.
        revoke_where(session, IssuedToken.consent_id == row.consent_id, now, "refresh token reused")
        return None
    row = _usable(session, row, now)
    return row if row is not None and row.refresh_expires_at > now else None


def rotate(*, session: Session, row: IssuedToken, now: datetime) -> None:
    row.revoked_at, row.revoked_reason = now, "rotated"
    session.flush()


def revoke_where(session: Session, condition, now: datetime, reason: str) -> None:
    session.execute(
        sa.update(IssuedToken)
        .where(condition, IssuedToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def release_claims(*, session: Session, token: IssuedToken, now: datetime, record_type: str) -> dict:
    """The claims of the token's consented fields, recorded in the citizen's access log as released to the
    relying party ("Ngân hàng X received name, date of birth at 10:42")."""
    party = session.scalar(sa.select(RelyingParty).where(RelyingParty.client_id == token.client_id))
    account = session.get(Account, token.account_id)
    citizen = session.get(Citizen, account.citizen_id)
    consent = _consent(session, token.consent_id)
    allowed = [f for f in claims.fields_for(token.scope) if f in consent.fields]
    released = claims.read(session=session, citizen=citizen, field_names=allowed, on=local_date(now))
    if released:
        record_access(
            session=session,
            principal=relying_party_principal(party),
            subject_citizen_ids=[citizen.id],
            action="read",
            record_type=record_type,
            record_ref=consent.public_id,
            purpose=f"{', '.join(released)}: {party.purpose}"[:200],
        )
    return {"sub": pairwise_subject(party, account.id), **released}


def relying_party_principal(party: RelyingParty) -> Principal:
    """The relying party as the actor of an access-log entry (it has no account of its own)."""
    return Principal(
        account_id=None,
        role=RELYING_PARTY_ROLE,
        level=0,
        label=party.name[:120],
        family_id="",
        scope_code=party.client_id,
    )


def remember_assertion(*, session: Session, client_id: str, jti: str, expires_at: int, now: datetime) -> bool:
    """False when this assertion was seen before. Kept until it expires (plus the verifier's leeway)."""
    key = digest(f"{client_id}|{jti}")
    if session.get(UsedClientAssertion, key) is not None:
        return False
    session.execute(sa.delete(UsedClientAssertion).where(UsedClientAssertion.expires_at < now))
    until = max(datetime.fromtimestamp(int(expires_at), UTC), now) + timedelta(minutes=2)
    session.add(UsedClientAssertion(jti_hash=key, expires_at=until))
    session.flush()
    return True
