"""The end of a recovery: a one-time code (5 minutes, single use, stored hashed) that the new phone's app scans
and sends with its new device key; binding it ends every old session, unbinds every old device and unlocks a
self-locked account. Also the citizen's own lock, which only such a recovery lifts."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth import tokens
from backend.auth.models import Account, AccountStatusChange, TokenFamily
from backend.core import clock
from backend.core.access import CITIZEN, Principal
from backend.errors import Conflict, Forbidden, NotFound
from backend.identity_provider import login_requests
from backend.identity_provider.models import DeviceKey
from backend.notifications.service import notify
from backend.recovery.models import RecoveryAttempt

CODE_LIFETIME = timedelta(minutes=5)
QR_PREFIX = "congdan-recover:"
SELF_LOCKED = "locked"


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def issue_code(*, session: Session, attempt: RecoveryAttempt, now: datetime) -> str:
    code = secrets.token_urlsafe(24)
    attempt.code_hash, attempt.code_expires_at, attempt.status = _digest(code), now + CODE_LIFETIME, "code_issued"
    session.flush()
    return code


def _end_everything(session: Session, account_id: int, reason: str, now: datetime) -> tuple[int, int]:
    ended = session.execute(
        sa.update(TokenFamily)
        .where(TokenFamily.account_id == account_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    ).rowcount
    unbound = session.execute(
        sa.update(DeviceKey)
        .where(DeviceKey.account_id == account_id, DeviceKey.unbound_at.is_(None))
        .values(unbound_at=now, unbound_by=account_id)
    ).rowcount
    return ended, unbound


def bind_device(*, session: Session, code: str, public_key: str, label: str, now: datetime | None = None) -> dict:
    """Bind the new phone's key to the recovered account and log the app in."""
    now = now or clock.now()
    attempt = session.scalar(
        sa.select(RecoveryAttempt).where(RecoveryAttempt.code_hash == _digest(code)).with_for_update()
    )
    if attempt is None or attempt.status != "code_issued" or attempt.code_expires_at < now:
        raise NotFound("This recovery code is unknown, used or expired. Start the recovery again at the kiosk.")
    account = session.get(Account, attempt.account_id)
    if account is None or account.status == "disabled":
        raise Forbidden("This account is locked by an officer; recovery cannot unlock it.")
    attempt.status, attempt.completed_at = "completed", now
    ended, unbound = _end_everything(session, account.id, "account-recovered", now)
    was_locked = account.status == SELF_LOCKED
    account.status = "active"
    session.add(
        AccountStatusChange(
            account_id=account.id,
            status="active",
            reason=f"recovered ({attempt.channel} {attempt.operator_label}); old sessions and devices ended"[:200],
            actor_account_id=attempt.confirmed_by or attempt.operator_account_id,
            actor_role="officer" if attempt.channel == "desk" else "kiosk",
            occurred_at=now,
            sessions_ended=ended,
        )
    )
    session.flush()
    principal = Principal(account.id, CITIZEN, account.level, account.username, "", citizen_id=account.citizen_id)
    key = login_requests.register_device_key(
        session=session, principal=principal, public_key=public_key, label=label, now=now
    )
    pair = tokens.start_session(session, account, client=f"app: {label}"[:100])
    notify(
        session=session,
        citizen_id=account.citizen_id,
        kind="account-recovery",
        title="Tài khoản của bạn đã được khôi phục / Your account was recovered",
        body=f"Tại / At: {attempt.operator_label}. Đã đăng xuất {ended} phiên và gỡ {unbound} thiết bị cũ"
        + (", tài khoản đã được mở khóa" if was_locked else "")
        + f". / {ended} sessions ended, {unbound} old devices removed"
        + (", account unlocked" if was_locked else "")
        + ". Nếu không phải bạn, hãy đến cơ quan công an / If this was not you, go to a police office.",
        ref=attempt.public_id,
    )
    return {
        "device_key_id": key.public_id,
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "sessions_ended": ended,
        "devices_unbound": unbound,
    }


def lock_own_account(*, session: Session, principal: Principal, reason: str, now: datetime | None = None) -> dict:
    """The citizen locks their own account (a stolen phone): every session and device ends at once. Only a
    recovery with the chip card and the face (or an officer at a desk) opens it again."""
    now = now or clock.now()
    if principal.role != CITIZEN:
        raise Forbidden("Only a citizen locks their own account here.")
    account = session.get(Account, principal.account_id)
    if account.status == "disabled":
        raise Conflict("This account is already locked by an officer.")
    ended, unbound = _end_everything(session, account.id, "locked-by-holder", now)
    account.status = SELF_LOCKED
    session.add(
        AccountStatusChange(
            account_id=account.id,
            status=SELF_LOCKED,
            reason=(f"locked by the holder: {reason}" if reason else "locked by the holder")[:200],
            actor_account_id=account.id,
            actor_role=CITIZEN,
            occurred_at=now,
            sessions_ended=ended,
        )
    )
    notify(
        session=session,
        citizen_id=account.citizen_id,
        kind="account-locked",
        title="Bạn đã khóa tài khoản / You locked your account",
        body="Mở khóa bằng thẻ căn cước gắn chip tại ki-ốt hoặc cơ quan công an. / "
        "Unlock it with your chip ID card at a kiosk or a police office.",
    )
    session.flush()
    return {
        "status": SELF_LOCKED,
        "sessions_ended": ended,
        "devices_unbound": unbound,
        "message_vi": "Tài khoản đã bị khóa. Mở khóa bằng thẻ căn cước gắn chip tại ki-ốt hoặc cơ quan công an.",
        "message_en": "Your account is locked. Unlock it with your chip ID card at a kiosk or a police office.",
    }
