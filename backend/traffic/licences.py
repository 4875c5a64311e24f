"""Driving licences on a day: points, suspension and status computed from the penalty decisions (the
registry's columns are a cache that `sync_licence` refreshes); the holder's and an officer's lookups of a licence
or a plate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import CITIZEN, Principal
from backend.errors import Forbidden, NotFound
from backend.registry.models import Citizen, DrivingLicence, Vehicle
from backend.traffic import rules
from backend.traffic.models import LicenceRetest, PenaltyDecision


@dataclass(frozen=True)
class LicenceState:
    licence: DrivingLicence
    holder_name: str
    on: date
    status: str  # valid | suspended | no-points | expired | revoked
    points: int
    suspended_from: date | None
    suspended_until: date | None
    retest_from: date | None = None  # at 0 points: the earliest day of the theory re-test

    @property
    def number(self) -> str:
        return self.licence.number

    @property
    def licence_class(self) -> str:
        return self.licence.licence_class

    @property
    def expires_on(self) -> date:
        return self.licence.expires_on


def suspension_periods(session: Session, licence_id: int) -> list[tuple[date, date]]:
    return [
        (start, end)
        for start, end in session.execute(
            sa.select(PenaltyDecision.suspension_starts_on, PenaltyDecision.suspension_ends_on).where(
                PenaltyDecision.licence_id == licence_id,
                PenaltyDecision.status != "cancelled",
                PenaltyDecision.suspension_starts_on.is_not(None),
            )
        )
    ]


def licence_state(session: Session, licence: DrivingLicence, on: date) -> LicenceState:
    """The licence as it stands on `on`, computed from the decisions (the registry's columns are a cache)."""
    rows = session.execute(
        sa.select(PenaltyDecision.decided_at, PenaltyDecision.points_deducted).where(
            PenaltyDecision.licence_id == licence.id,
            PenaltyDecision.status != "cancelled",
            PenaltyDecision.points_deducted > 0,
        )
    ).all()
    retests = session.scalars(sa.select(LicenceRetest.passed_on).where(LicenceRetest.licence_id == licence.id))
    standing = rules.points_on([(clock.local_date(at), n) for at, n in rows], on, list(retests))
    points = standing.points
    periods = suspension_periods(session, licence.id)
    until = rules.suspended_on(periods, on)
    since = min((s for s, e in periods if s <= on < e), default=None)
    if licence.status == "revoked":
        status = "revoked"
    elif until is not None:
        status = "suspended"
    elif points == 0:
        status = "no-points"
    elif licence.expires_on is not None and on > licence.expires_on:
        status = "expired"
    else:
        status = "valid"
    holder = session.get(Citizen, licence.citizen_id)
    return LicenceState(licence, holder.full_name, on, status, points, since, until, standing.retest_from)


def sync_licence(*, session: Session, licence: DrivingLicence, on: date) -> LicenceState:
    """Refresh the registry's cached status, points and suspended_until (run daily, and on each decision)."""
    state = licence_state(session, licence, on)
    licence.points = state.points
    later = [end for start, end in suspension_periods(session, licence.id) if end > on]
    licence.suspended_until = datetime.combine(max(later), time(0), clock.VIETNAM_TZ) if later else None
    if licence.status != "revoked":
        licence.status = "suspended" if state.status == "suspended" else "valid"
    return state


def own_licences(*, session: Session, principal: Principal, on: date) -> list[LicenceState]:
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only a citizen account holds licences.")
    licences = session.scalars(
        sa.select(DrivingLicence).where(DrivingLicence.citizen_id == principal.citizen_id).order_by(DrivingLicence.id)
    )
    return [licence_state(session, licence, on) for licence in licences]


def lookup_licence(*, session: Session, principal: Principal, number: str, on: date, purpose: str) -> LicenceState:
    """An officer checks a licence (at a stop, anywhere in the country): audited."""
    licence = session.scalar(sa.select(DrivingLicence).where(DrivingLicence.number == number))
    if licence is None:
        raise NotFound("No driving licence has this number.")
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[licence.citizen_id],
        action="read",
        record_type="driving-licence",
        purpose=purpose,
        record_ref=licence.number,
    )
    return licence_state(session, licence, on)


@dataclass(frozen=True)
class VehicleState:
    vehicle: Vehicle
    owner_name: str
    unpaid: list[PenaltyDecision]  # decisions on this plate still to be paid
    licences: list[LicenceState]  # the owner's licences (the owner is presumed the driver until shown otherwise)


def lookup_vehicle(*, session: Session, principal: Principal, plate: str, on: date, purpose: str) -> VehicleState:
    """An officer checks a plate (at a stop, anywhere in the country): the vehicle, its unpaid penalties and its
    owner's licences with their points and suspension; audited like a licence look-up."""
    vehicle = session.scalar(sa.select(Vehicle).where(Vehicle.plate == plate))
    if vehicle is None:
        raise NotFound("No registered vehicle has this plate.")
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[vehicle.owner_citizen_id],
        action="read",
        record_type="vehicle",
        purpose=purpose,
        record_ref=vehicle.plate,
    )
    unpaid = session.scalars(
        sa.select(PenaltyDecision)
        .where(PenaltyDecision.vehicle_id == vehicle.id, PenaltyDecision.status == "unpaid")
        .order_by(PenaltyDecision.decided_at)
    )
    licences = session.scalars(
        sa.select(DrivingLicence)
        .where(DrivingLicence.citizen_id == vehicle.owner_citizen_id)
        .order_by(DrivingLicence.id)
    )
    owner = session.get(Citizen, vehicle.owner_citizen_id)
    return VehicleState(vehicle, owner.full_name, list(unpaid), [licence_state(session, lic, on) for lic in licences])
