"""Sessions and account status: a holder lists and ends their own sessions; an admin (any account) or an officer
(citizens in their jurisdiction) disables an account, which ends every session at once and is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth.models import Account, AccountStatusChange, TokenFamily
from backend.core import clock
from backend.core.access import ADMIN, CITIZEN, OFFICER, Principal
from backend.errors import Conflict, Forbidden, NotFound
from backend.registry.models import Citizen
from backend.registry.service import officer_covers_citizen
from shared_schemas.text import nfc


@dataclass(frozen=True)
class SessionView:
    id: str
    client: str | None
    created_at: datetime
    current: bool


def _live(account_id: int):
    return sa.select(TokenFamily).where(TokenFamily.account_id == account_id, TokenFamily.revoked_at.is_(None))


def list_sessions(*, session: Session, principal: Principal) -> list[SessionView]:
    families = session.scalars(_live(principal.account_id).order_by(TokenFamily.created_at.desc())).all()
    return [SessionView(f.id, f.client, f.created_at, f.id == principal.family_id) for f in families]


def end_session(*, session: Session, principal: Principal, family_id: str) -> None:
    """End one of my sessions (another's id answers like a missing one)."""
    ended = session.execute(
        sa.update(TokenFamily)
        .where(
            TokenFamily.id == family_id,
            TokenFamily.account_id == principal.account_id,
            TokenFamily.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now(), revoked_reason="ended-by-holder")
    ).rowcount
    if not ended:
        raise NotFound("No such session among yours.")


def end_other_sessions(*, session: Session, principal: Principal) -> int:
    """End all my sessions but the one making this request."""
    return session.execute(
        sa.update(TokenFamily)
        .where(
            TokenFamily.account_id == principal.account_id,
            TokenFamily.revoked_at.is_(None),
            TokenFamily.id != principal.family_id,
        )
        .values(revoked_at=clock.now(), revoked_reason="ended-by-holder")
    ).rowcount


def _end_all(session: Session, account_id: int, reason: str) -> int:
    return session.execute(
        sa.update(TokenFamily)
        .where(TokenFamily.account_id == account_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason)
    ).rowcount


def _target(session: Session, principal: Principal, username: str) -> tuple[Account, Citizen | None]:
    """Admins act on any account; officers only on citizens' accounts in their jurisdiction."""
    if principal.role not in (ADMIN, OFFICER):
        raise Forbidden("Only administrators and officers change an account's status.")
    account = session.scalar(sa.select(Account).where(Account.username == username))
    citizen = session.get(Citizen, account.citizen_id) if account and account.citizen_id else None
    if principal.role == OFFICER and (
        account is None
        or account.role != CITIZEN
        or citizen is None
        or not officer_covers_citizen(principal, citizen, on=clock.today())
    ):
        # Outside the jurisdiction and unknown look the same to an officer.
        raise Forbidden("This account is not a citizen's account in your jurisdiction.")
    if account is None:
        raise NotFound("No such account.")
    if account.id == principal.account_id:
        raise Conflict("You cannot change the status of your own account.")
    return account, citizen


def set_status(*, session: Session, principal: Principal, username: str, status: str, reason: str) -> Account:
    """Disable (ending every session: the next request with any of its tokens is 401) or re-enable an account.
    Re-enabling restores nothing of the ended sessions: the holder logs in again."""
    account, citizen = _target(session, principal, username)
    if status == "active" and principal.role == OFFICER:
        last = session.scalar(
            sa.select(AccountStatusChange)
            .where(AccountStatusChange.account_id == account.id)
            .order_by(AccountStatusChange.id.desc())
            .limit(1)
        )
        if last is not None and last.status == "disabled" and last.actor_role == ADMIN:
            raise Forbidden("An administrator disabled this account; only an administrator can re-enable it.")
    reason = nfc(reason.strip())
    ended = _end_all(session, account.id, "account-disabled") if status == "disabled" else 0
    account.status = status
    session.add(
        AccountStatusChange(
            account_id=account.id,
            status=status,
            reason=reason,
            actor_account_id=principal.account_id,
            actor_role=principal.role,
            occurred_at=clock.now(),
            sessions_ended=ended,
        )
    )
    if citizen is not None:
        what = (
            "tài khoản bị khóa / account disabled"
            if status == "disabled"
            else "tài khoản được mở lại / account re-enabled"
        )
        record_access(
            session=session,
            principal=principal,
            subject_citizen_ids=[citizen.id],
            action="update",
            record_type="identity-account",
            record_ref=str(account.id),
            purpose=f"{what}: {reason}"[:200],
        )
    session.flush()
    return account


def change_status_for_event(
    *, session: Session, principal: Principal, account: Account, status: str, reason: str
) -> int:
    """Disable or re-enable an account because a registered life event says so (a death, its revocation): the
    caller has already decided the officer may act; the change is recorded like any other. Returns the number of
    sessions ended."""
    ended = _end_all(session, account.id, "account-disabled") if status == "disabled" else 0
    account.status = status
    session.add(
        AccountStatusChange(
            account_id=account.id,
            status=status,
            reason=nfc(reason)[:200],
            actor_account_id=principal.account_id,
            actor_role=principal.role,
            occurred_at=clock.now(),
            sessions_ended=ended,
        )
    )
    session.flush()
    return ended
