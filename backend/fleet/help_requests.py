"""Calls for help from check-in kiosks: a patient (or the kiosk, when something failed) asks for staff; the
hospital's staff list open calls at once and acknowledge them. An enrolled kiosk's call also opens a fleet
alert ("help_requested") so the fleet records it; acknowledging resolves that alert; resolving the call keeps
staff's note of what they did. A call names the kiosk,
the screen and what went wrong, never the patient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.auth.models import Account
from backend.core.access import HOSPITAL_STAFF, KIOSK, Principal
from backend.database import Base
from backend.errors import Forbidden, NotFound
from backend.fleet.models import Alert, Kiosk
from backend.health.models import Hospital

#: A second press within this window is the same call (a patient pressing twice, or a retried request).
SAME_CALL_WINDOW = timedelta(minutes=3)
ALERT_KIND = "help_requested"


class HelpRequest(Base):
    """Yêu cầu hỗ trợ: a call for staff from one kiosk of a hospital."""

    __tablename__ = "hospital_help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    hospital_id: Mapped[int] = mapped_column(sa.ForeignKey("hospitals.id"))
    kiosk_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    fleet_kiosk_id: Mapped[str | None] = mapped_column(sa.ForeignKey("fleet_kiosks.id"))
    screen: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.String(24))
    detail: Mapped[str | None] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(2))
    assisted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    # Resolved: the member of staff who went says what they did (the call stays on the record).
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    resolution_note: Mapped[str | None] = mapped_column(sa.String(300))

    __table_args__ = (sa.Index("ix_hospital_help_requests_open", "hospital_id", "acknowledged_at", "created_at"),)


@dataclass(frozen=True)
class HelpCall:
    request: HelpRequest
    hospital_code: str
    kiosk_name: str
    existing: bool = False


def _hospital(session: Session, code: str | None) -> Hospital:
    hospital = session.scalar(sa.select(Hospital).where(Hospital.code == code)) if code else None
    if hospital is None:
        raise NotFound("This account belongs to no registered hospital.")
    return hospital


def _call(session: Session, request: HelpRequest, hospital_code: str, existing: bool = False) -> HelpCall:
    account = session.get(Account, request.kiosk_account_id)
    return HelpCall(request, hospital_code, account.display_name if account else "", existing)


def request_help(
    *,
    session: Session,
    principal: Principal,
    screen: str,
    reason: str,
    detail: str | None,
    language: str,
    assisted: bool,
    now: datetime,
    public_id: str,
) -> HelpCall:
    if principal.role != KIOSK:
        raise Forbidden("Only kiosks call for help.")
    hospital = _hospital(session, principal.scope_code)
    recent = session.scalar(
        sa.select(HelpRequest)
        .where(
            HelpRequest.kiosk_account_id == principal.account_id,
            HelpRequest.acknowledged_at.is_(None),
            HelpRequest.created_at >= now - SAME_CALL_WINDOW,
        )
        .order_by(HelpRequest.created_at.desc())
        .limit(1)
    )
    if recent is not None:
        return _call(session, recent, hospital.code, existing=True)
    fleet_kiosk = session.scalar(sa.select(Kiosk).where(Kiosk.account_id == principal.account_id))
    request = HelpRequest(
        public_id=public_id,
        hospital_id=hospital.id,
        kiosk_account_id=principal.account_id,
        fleet_kiosk_id=fleet_kiosk.id if fleet_kiosk else None,
        screen=screen,
        reason=reason,
        detail=detail,
        language=language,
        assisted=assisted,
        created_at=now,
    )
    session.add(request)
    if fleet_kiosk is not None:
        _open_alert(
            session,
            fleet_kiosk.id,
            f"Gọi nhân viên tại màn hình {screen} ({reason}) / staff called at the {screen} screen",
            now,
        )
    session.flush()
    return _call(session, request, hospital.code)


def _open_alert(session: Session, kiosk_id: str, detail: str, now: datetime) -> None:
    already = session.scalar(
        sa.select(Alert).where(Alert.kiosk_id == kiosk_id, Alert.kind == ALERT_KIND, Alert.resolved_at.is_(None))
    )
    if already is None:
        session.add(Alert(kiosk_id=kiosk_id, kind=ALERT_KIND, severity="warning", detail=detail[:200], opened_at=now))


def _staff_hospital(session: Session, principal: Principal) -> Hospital:
    if principal.role != HOSPITAL_STAFF:
        raise Forbidden("Only hospital staff answer calls for help.")
    return _hospital(session, principal.scope_code)


def list_help_requests(*, session: Session, principal: Principal, state: str) -> list[HelpCall]:
    """My hospital's calls, newest first (open ones: the staff console polls this)."""
    hospital = _staff_hospital(session, principal)
    query = (
        sa.select(HelpRequest)
        .where(HelpRequest.hospital_id == hospital.id)
        .order_by(HelpRequest.created_at.desc())
        .limit(200)
    )
    if state == "open":
        query = query.where(HelpRequest.acknowledged_at.is_(None))
    elif state == "acknowledged":
        query = query.where(HelpRequest.acknowledged_at.is_not(None))
    return [_call(session, request, hospital.code) for request in session.scalars(query)]


def acknowledge(*, session: Session, principal: Principal, request_id: str, now: datetime) -> HelpCall:
    """A member of staff is on their way: the call leaves the open list, the fleet alert is resolved."""
    hospital = _staff_hospital(session, principal)
    request = session.scalar(
        sa.select(HelpRequest).where(HelpRequest.public_id == request_id, HelpRequest.hospital_id == hospital.id)
    )
    if request is None:
        raise NotFound("No such call for help at this hospital.")
    if request.acknowledged_at is None:
        request.acknowledged_at, request.acknowledged_by = now, principal.account_id
        if request.fleet_kiosk_id is not None:
            still_open = session.scalar(
                sa.select(sa.func.count())
                .select_from(HelpRequest)
                .where(
                    HelpRequest.fleet_kiosk_id == request.fleet_kiosk_id,
                    HelpRequest.acknowledged_at.is_(None),
                    HelpRequest.id != request.id,
                )
            )
            if not still_open:
                for alert in session.scalars(
                    sa.select(Alert).where(
                        Alert.kiosk_id == request.fleet_kiosk_id, Alert.kind == ALERT_KIND, Alert.resolved_at.is_(None)
                    )
                ):
                    alert.resolved_at = now
        session.flush()
    return _call(session, request, hospital.code)


def resolve(*, session: Session, principal: Principal, request_id: str, note: str, now: datetime) -> HelpCall:
    """The call is dealt with: what staff did is kept with it (acknowledging it too, if nobody had)."""
    call = acknowledge(session=session, principal=principal, request_id=request_id, now=now)
    request = call.request
    if request.resolved_at is None:
        request.resolved_at, request.resolved_by, request.resolution_note = now, principal.account_id, note
        session.flush()
    return call
