"""Recording penalty decisions, what citizens owe on a given day, and cancelling (licences: licences.py)."""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock, idempotency
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.notifications import service as notifications
from backend.registry import units
from backend.registry.models import AdministrativeUnit, Citizen, DrivingLicence, Vehicle
from backend.registry.service import find_citizen, get_ward
from backend.traffic import catalogue, rules
from backend.traffic.licences import suspension_periods, sync_licence
from backend.traffic.models import PenaltyDecision

log = logging.getLogger(__name__)


class UnknownViolation(ValidationFailed):
    code, title = "unknown-violation", "No such violation in the catalogue"


class ViolationNotInForce(ValidationFailed):
    code, title = "violation-not-in-force", "No catalogue entry was in force on the day of the violation"


class FineOutOfRange(ValidationFailed):
    code, title = "fine-out-of-range", "The fine is outside the range the law allows"


class DecisionNotPayable(Conflict):
    code, title = "penalty-not-payable", "This penalty decision cannot be paid"


@dataclass(frozen=True)
class AmountDue:
    on: date
    fine: int
    days_late: int
    surcharge: int

    @property
    def total(self) -> int:
        return self.fine + self.surcharge


def amount_due(decision: PenaltyDecision | sa.Row, on: date) -> AmountDue:
    late = rules.days_late(decision.payment_deadline, on)
    return AmountDue(
        on=on,
        fine=decision.fine_amount,
        days_late=late,
        surcharge=rules.surcharge(decision.fine_amount, late, on),
    )


def _invalid(field: str, message: str, error=ValidationFailed):
    return error(message, errors={"json": {field: [message]}})


def _fine(violation: catalogue.Violation, data: dict) -> int:
    low, high = violation.fine.allowed(len(data["mitigating"]), len(data["aggravating"]))
    fine = data["fine_amount"] if data["fine_amount"] is not None else violation.fine.middle
    if not violation.fine.minimum <= fine <= violation.fine.maximum:
        raise _invalid(
            "fine_amount",
            f"{violation.code} is fined {violation.fine.minimum:,} to "
            f"{violation.fine.maximum:,} đồng; {fine:,} is outside that range.",
            FineOutOfRange,
        )
    if not low <= fine <= high:
        raise _invalid(
            "fine_amount",
            f"With these circumstances the fine must be between {low:,} and {high:,} "
            "đồng (the middle of the range unless mitigating or aggravating ones prevail).",
            FineOutOfRange,
        )
    return fine


def _suspension_months(violation: catalogue.Violation, months: int | None) -> int:
    if not violation.suspends:
        if months:
            raise _invalid("suspension_months", f"{violation.code} carries no licence suspension.")
        return 0
    low, high = violation.suspension_months_min, violation.suspension_months_max
    if months is None and low == high:
        return low
    if months is None or not low <= months <= high:
        raise _invalid("suspension_months", f"{violation.code} suspends the licence for {low} to {high} months.")
    return months


def _parties(session: Session, violation: catalogue.Violation, data: dict):
    vehicle = driver = licence = None
    if data["plate"]:
        vehicle = session.scalar(sa.select(Vehicle).where(Vehicle.plate == data["plate"]))
        if vehicle is None and data["detected_by"] == "camera":
            raise _invalid("plate", "No registered vehicle has this plate, so there is no owner to notify.")
        if vehicle is not None and rules.vehicle_class(vehicle.kind) != violation.vehicle_class:
            raise _invalid(
                "violation_code",
                f"{violation.code} is for a {violation.vehicle_class}; the vehicle "
                f"{vehicle.plate} is a {vehicle.kind}.",
            )
    if data["driver_personal_id"]:
        driver = find_citizen(session, data["driver_personal_id"])
    if data["licence_number"]:
        licence = session.scalar(sa.select(DrivingLicence).where(DrivingLicence.number == data["licence_number"]))
        if licence is None:
            raise _invalid("licence_number", "No driving licence has this number.")
        if driver is not None and licence.citizen_id != driver.id:
            raise _invalid("licence_number", "This licence belongs to someone else than the driver.")
        driver = driver or session.get(Citizen, licence.citizen_id)
    elif driver is not None:
        # A motorbike is driven on an A licence, everything else on B and above.
        wanted_a = violation.vehicle_class == "motorbike"
        licence = next(
            (
                lic
                for lic in session.scalars(
                    sa.select(DrivingLicence).where(DrivingLicence.citizen_id == driver.id).order_by(DrivingLicence.id)
                )
                if lic.licence_class.startswith("A") == wanted_a
            ),
            None,
        )
    if driver is None and vehicle is None:
        raise _invalid("plate", "Neither the plate nor the driver is in the registry: no one to hold liable.")
    return vehicle, driver, licence


def record_penalty(
    *, session: Session, principal: Principal, data: dict, idempotency_key: str, now: datetime | None = None
) -> PenaltyDecision:
    """Decide the penalty for one violation. A camera-detected violation is decided against the vehicle's
    owner and deducts no points (the driver is not identified); the owner is notified in the app."""
    now = (now or clock.now()).replace(microsecond=0)

    def make():
        violation = catalogue.find(data["violation_code"])
        if violation is None:
            raise _invalid(
                "violation_code",
                f"{data['violation_code']!r} is not in the violation catalogue.",
                UnknownViolation,
            )
        committed_on = clock.local_date(data["occurred_at"])
        if catalogue.in_force(violation.code, committed_on) is None:
            raise _invalid(
                "occurred_at",
                f"{violation.code} ({violation.legal_basis}) applies to violations from "
                f"{violation.effective_from:%d/%m/%Y}; the catalogue in force on {committed_on:%d/%m/%Y} is not "
                "loaded.",
                ViolationNotInForce,
            )
        ward = get_ward(session, data["ward_code"])
        if not units.officer_covers(principal, ward.code, ward.province_code, on=clock.local_date(now)):
            raise Forbidden("The place of the violation is outside your jurisdiction.")
        if data["occurred_at"] > now:
            raise _invalid("occurred_at", "The violation cannot have happened in the future.")
        fine = _fine(violation, data)
        months = _suspension_months(violation, data["suspension_months"])
        vehicle, driver, licence = _parties(session, violation, data)
        camera = data["detected_by"] == "camera"
        points = 0 if camera else violation.points
        if camera:
            months = 0
        if (points or months) and licence is None:
            raise _invalid(
                "licence_number",
                f"{violation.code} deducts points or suspends a licence: identify the driver's licence.",
            )
        decided_on = clock.local_date(now)
        starts_on = ends_on = None
        if months:
            # A second suspension runs after the one already in force, not alongside it.
            current_end = rules.suspended_on(suspension_periods(session, licence.id), decided_on)
            starts_on = max(decided_on, current_end or decided_on)
            ends_on = rules.add_months(starts_on, months)
        liable = driver or session.get(Citizen, vehicle.owner_citizen_id)
        decision = PenaltyDecision(
            number="pending-" + uuid.uuid4().hex[:20],
            violation_code=violation.code,
            vehicle_class=violation.vehicle_class,
            detected_by=data["detected_by"],
            occurred_at=data["occurred_at"],
            place=data["place"],
            ward_code=ward.code,
            plate=data["plate"],
            vehicle_id=vehicle.id if vehicle else None,
            driver_citizen_id=driver.id if driver else None,
            licence_id=licence.id if licence else None,
            liable_citizen_id=liable.id,
            mitigating=data["mitigating"],
            aggravating=data["aggravating"],
            fine_amount=fine,
            points_deducted=points,
            suspension_months=months,
            suspension_starts_on=starts_on,
            suspension_ends_on=ends_on,
            decided_at=now,
            received_on=decided_on,
            payment_deadline=rules.payment_deadline(decided_on),
            status="unpaid",
            recorded_by_account_id=principal.account_id,
        )
        session.add(decision)
        session.flush()
        decision.number = f"XP{decided_on:%Y}{decision.id:08d}"
        if licence is not None:
            sync_licence(session=session, licence=licence, on=decided_on)
        _announce(session, decision, violation, liable)
        subjects = {liable.id} | ({driver.id} if driver else set()) | ({vehicle.owner_citizen_id} if vehicle else set())
        record_access(
            session=session,
            principal=principal,
            subject_citizen_ids=subjects,
            action="create",
            record_type="penalty-decision",
            purpose="administrative traffic penalty",
            record_ref=decision.number,
        )
        session.flush()
        log.info("penalty decision %s: %s, %s đồng", decision.number, violation.code, fine)
        return decision, str(decision.id)

    return idempotency.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="penalty-decision",
        request=data,
        replay=lambda ref: session.get(PenaltyDecision, int(ref)),
        make=make,
        now=now,
    )


def _announce(session: Session, decision: PenaltyDecision, violation: catalogue.Violation, liable: Citizen) -> None:
    kind = "camera-violation" if decision.detected_by == "camera" else "penalty-decision"
    title = (
        f"Phạt nguội: xe {decision.plate}"
        if decision.detected_by == "camera"
        else f"Quyết định xử phạt {decision.number}"
    )
    body = (
        f"{violation.description_vi} lúc {decision.occurred_at.astimezone(clock.VIETNAM_TZ):%H:%M %d/%m/%Y} "
        f"tại {decision.place}. Mức phạt {decision.fine_amount:,} đồng, nộp trước hết ngày "
        f"{decision.payment_deadline:%d/%m/%Y}."
    ).replace(",", ".")
    notifications.notify(
        session=session,
        citizen_id=liable.id,
        kind=kind,
        title=title,
        body=body,
        ref=f"penalty:{decision.number}",
    )


def _visible_to(session: Session, principal: Principal, decision: PenaltyDecision) -> bool:
    if principal.role == CITIZEN and principal.citizen_id is not None:
        return principal.citizen_id in _involved(session, decision)
    if principal.role == OFFICER:
        ward = session.get(AdministrativeUnit, decision.ward_code)
        return units.officer_covers(principal, ward.code, ward.province_code, on=clock.today())
    return False


def _involved(session: Session, decision: PenaltyDecision) -> set[int]:
    people = {decision.liable_citizen_id, decision.driver_citizen_id}
    if decision.vehicle_id:
        people.add(session.get(Vehicle, decision.vehicle_id).owner_citizen_id)
    if decision.licence_id:
        people.add(session.get(DrivingLicence, decision.licence_id).citizen_id)
    return {p for p in people if p is not None}


def get_decision(*, session: Session, principal: Principal, number: str) -> PenaltyDecision:
    decision = session.scalar(sa.select(PenaltyDecision).where(PenaltyDecision.number == number))
    if decision is None or not _visible_to(session, principal, decision):
        raise NotFound("No such penalty decision among those you may see.")
    if principal.role == OFFICER:
        record_access(
            session=session,
            principal=principal,
            subject_citizen_ids=_involved(session, decision),
            action="read",
            record_type="penalty-decision",
            purpose="traffic penalty review",
            record_ref=decision.number,
        )
    return decision


# What a citizen's list of fines shows of each decision (PenaltySchema), read as plain rows: the list is one of the
# busiest reads (a quarter of `make load`), and loading ORM objects with every column cost more than the query.
_SHOWN = (
    "number",
    "violation_code",
    "detected_by",
    "occurred_at",
    "place",
    "plate",
    "fine_amount",
    "points_deducted",
    "suspension_months",
    "suspension_starts_on",
    "suspension_ends_on",
    "decided_at",
    "payment_deadline",
    "status",
    "paid_at",
    "paid_amount",
)


def list_own(*, session: Session, principal: Principal) -> list[sa.Row]:
    """Fines on my ID number, my vehicles and my licences, newest first: rows with the decision's shown columns
    (`_SHOWN`, by the same names as PenaltyDecision's attributes)."""
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only a citizen account has fines.")
    return list(session.execute(_own_decisions(), {"me": principal.citizen_id}))


@functools.cache
def _own_decisions() -> sa.Select:
    """Built once (building it was half the request): one indexed look-up per way a fine can be mine, united.
    An OR across the columns (two of them through subqueries) leaves PostgreSQL no index to use, so it scanned
    every decision in the country."""
    me = sa.bindparam("me")
    mine = sa.union(
        sa.select(PenaltyDecision.id).where(PenaltyDecision.liable_citizen_id == me),
        sa.select(PenaltyDecision.id).where(PenaltyDecision.driver_citizen_id == me),
        sa.select(PenaltyDecision.id)
        .join(Vehicle, Vehicle.id == PenaltyDecision.vehicle_id)
        .where(Vehicle.owner_citizen_id == me),
        sa.select(PenaltyDecision.id)
        .join(DrivingLicence, DrivingLicence.id == PenaltyDecision.licence_id)
        .where(DrivingLicence.citizen_id == me),
    )
    table = PenaltyDecision.__table__
    return (
        sa.select(*(table.c[name] for name in _SHOWN))
        .where(PenaltyDecision.id.in_(mine))
        .order_by(PenaltyDecision.decided_at.desc(), PenaltyDecision.id.desc())
    )


def cancel_decision(
    *, session: Session, principal: Principal, number: str, reason: str, now: datetime | None = None
) -> PenaltyDecision:
    """Annul an unpaid decision (e.g. the wrong vehicle was recorded); its points and suspension lapse."""
    decision = session.scalar(sa.select(PenaltyDecision).where(PenaltyDecision.number == number))
    if decision is None or principal.role != OFFICER or not _visible_to(session, principal, decision):
        raise NotFound("No such penalty decision among those you may see.")
    now = now or clock.now()
    done = session.execute(
        sa.update(PenaltyDecision)
        .where(PenaltyDecision.id == decision.id, PenaltyDecision.status == "unpaid")
        .values(
            status="cancelled", cancelled_at=now, cancel_reason=reason, cancelled_by_account_id=principal.account_id
        )
    ).rowcount
    session.refresh(decision)
    if not done:
        raise DecisionNotPayable(f"This decision is {decision.status}; only an unpaid decision can be cancelled.")
    # A change by an official: who, in which role, and why, in the access log of everyone it concerns.
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=_involved(session, decision),
        action="update",
        record_type="penalty-decision",
        purpose=f"cancelled: {reason}"[:200],
        record_ref=decision.number,
    )
    if decision.licence_id:
        sync_licence(
            session=session,
            licence=session.get(DrivingLicence, decision.licence_id),
            on=clock.local_date(now),
        )
    return decision
