"""Accommodation notices (thông báo lưu trú): a household or an establishment tells the ward police who
stays overnight. Deadline: 23:00 on the day of arrival, or 08:00 the next day for a guest arriving after
23:00. Late notices are accepted and flagged."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.errors import Forbidden, ValidationFailed
from backend.registry.models import Citizen
from backend.registry.service import get_ward
from backend.residence import establishments
from backend.residence.models import AccommodationNotice
from shared_schemas.clock import VIETNAM_TZ
from shared_schemas.text import fold, nfc

MAX_STAY = timedelta(days=30)
#: Close relatives staying repeatedly may be notified once for the whole period.
MAX_RELATIVE_STAY = timedelta(days=366)
MAX_AHEAD = timedelta(days=7)
MAX_BEHIND = timedelta(days=30)


def notice_deadline(arrival_at: datetime) -> datetime:
    local = arrival_at.astimezone(VIETNAM_TZ)
    if local.time() >= time(23, 0):
        return datetime.combine(local.date() + timedelta(days=1), time(8, 0), VIETNAM_TZ)
    return datetime.combine(local.date(), time(23, 0), VIETNAM_TZ)


def _guest_error(index: int, field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"json": {"guests": {str(index): {field: [message]}}}})


def submit(
    *, session: Session, principal: Principal, data: dict, now: datetime | None = None
) -> list[AccommodationNotice]:
    """Notify one guest or a whole list (hotels); every guest is checked before anything is stored."""
    now = now or clock.now()
    notifier = session.get(Citizen, principal.citizen_id) if principal.citizen_id else None
    if principal.role != CITIZEN or notifier is None:
        raise Forbidden("Only a citizen account can send accommodation notices.")
    business = None
    if data.get("establishment_id") is not None:
        # A business notice: the establishment's registered address, never one the sender types.
        business = establishments.for_notice(
            session=session, principal=principal, establishment_id=data["establishment_id"]
        )
        ward, street = get_ward(session, business.ward_code), business.street
    else:
        if not data.get("ward_code") or not data.get("street"):
            raise ValidationFailed(
                "Give the address (ward_code, street), or the establishment_id of a "
                "registered establishment you operate.",
                errors={"json": {"street": ["Missing data for required field."]}},
            )
        ward, street = get_ward(session, data["ward_code"]), nfc(data["street"])
        if not _is_home(notifier, ward.code, street):
            raise ValidationFailed(
                "Without a registered establishment, the address must be your own permanent or temporary residence.",
                errors={"json": {"street": ["Not your residence."]}},
            )
    seen = set()
    for index, guest in enumerate(data["guests"]):
        if guest["personal_id"] in seen:
            raise _guest_error(index, "personal_id", "This guest is listed twice.")
        seen.add(guest["personal_id"])
        arrival = guest["arrival_at"]
        if arrival > now + MAX_AHEAD or arrival < now - MAX_BEHIND:
            raise _guest_error(index, "arrival_at", "The arrival is more than 7 days ahead or 30 days ago.")
        arrival_day = arrival.astimezone(VIETNAM_TZ).date()
        if guest["departure_on"] < arrival_day:
            raise _guest_error(index, "departure_on", "The departure is before the arrival.")
        longest = MAX_RELATIVE_STAY if guest.get("relationship") else MAX_STAY
        if guest["departure_on"] - arrival_day > longest:
            hint = "" if guest.get("relationship") else " (longer only for close relatives)"
            raise _guest_error(index, "departure_on", f"A notice covers at most {longest.days} days{hint}.")
    batch = uuid.uuid4().hex
    notices = []
    for guest in data["guests"]:
        deadline = notice_deadline(guest["arrival_at"])
        notices.append(
            AccommodationNotice(
                batch_ref=batch,
                notifier_account_id=principal.account_id,
                establishment_name=business.name if business else None,
                establishment_id=business.id if business else None,
                ward_code=ward.code,
                province_code=ward.province_code,
                street=street,
                guest_personal_id=guest["personal_id"],
                guest_name=guest["full_name"],
                guest_relationship=guest.get("relationship"),
                reason=nfc(data["reason"]),
                arrival_at=guest["arrival_at"],
                departure_on=guest["departure_on"],
                deadline_at=deadline,
                submitted_at=now,
                late=now > deadline,
            )
        )
    session.add_all(notices)
    session.flush()
    return notices


def _is_home(citizen: Citizen, ward_code: str, street: str) -> bool:
    homes = [
        (citizen.permanent_ward_code, citizen.permanent_street),
        (citizen.temporary_ward_code, citizen.temporary_street),
    ]
    return any(code == ward_code and other and fold(other) == fold(street) for code, other in homes)


def list_for_officer(
    *, session: Session, principal: Principal, ward_code: str | None, arrival_on, page: int, per_page: int, purpose: str
) -> list[AccommodationNotice]:
    if principal.role != OFFICER or not principal.scope_code:
        raise Forbidden("Only officers see accommodation notices.")
    scope = principal.scope_code
    query = sa.select(AccommodationNotice)
    column = AccommodationNotice.province_code if len(scope) == 2 else AccommodationNotice.ward_code
    query = query.where(column == scope)
    if ward_code:
        if len(scope) == 5 and ward_code != scope:
            raise Forbidden("This ward is outside your jurisdiction.")
        query = query.where(AccommodationNotice.ward_code == ward_code)
    if arrival_on:
        start = datetime.combine(arrival_on, time(0, 0), VIETNAM_TZ)
        query = query.where(
            AccommodationNotice.arrival_at >= start, AccommodationNotice.arrival_at < start + timedelta(days=1)
        )
    query = query.order_by(AccommodationNotice.arrival_at.desc(), AccommodationNotice.id.desc())
    found = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    # Guests who are in the registry learn from their access log that the police saw where they stayed.
    guest_ids = session.scalars(
        sa.select(Citizen.id).where(Citizen.personal_id.in_({notice.guest_personal_id for notice in found}))
    ).all()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=guest_ids,
        action="read",
        record_type="accommodation-notice",
        purpose=purpose,
    )
    return found
