"""Hospitals and their departments: the public directory and opening hours (a department is open by
Vietnam's clock, overnight clinics included)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.errors import NotFound
from backend.health.models import (
    Department,
    Hospital,
)
from shared_schemas.clock import VIETNAM_TZ as VIETNAM


@dataclass(frozen=True)
class DepartmentHours:
    """A department as the directory shows it: its own fields and hours, and whether it is open at the
    moment asked (DepartmentSchema dumps it)."""

    department: Department
    open_now: bool

    def __getattr__(self, name: str):
        return getattr(self.department, name)


def get_hospital(session: Session, code: str | None) -> Hospital:
    hospital = session.scalar(sa.select(Hospital).where(Hospital.code == code)) if code else None
    if hospital is None:
        raise NotFound(f"No hospital with code {code!r}.")
    return hospital


# Built once (its SQL cache key too), bound per request: every ticket and staff action looks a department up.
_DEPARTMENT = sa.select(Department).where(
    Department.hospital_id == sa.bindparam("hospital_id"),
    Department.code == sa.bindparam("code"),
    Department.active.is_(True),
)


def get_department(session: Session, hospital: Hospital, code: str) -> Department:
    department = session.scalar(_DEPARTMENT, {"hospital_id": hospital.id, "code": code})
    if department is None:
        raise NotFound(f"No department {code!r} at {hospital.name}.")
    return department


def is_open(department: Department, moment: datetime) -> bool:
    local = moment.astimezone(VIETNAM)
    clock, weekday = local.time(), local.weekday()
    if department.opens_at == department.closes_at:  # round the clock
        return str(weekday) in department.open_weekdays
    if department.opens_at < department.closes_at:
        return str(weekday) in department.open_weekdays and department.opens_at <= clock < department.closes_at
    # Overnight clinic: the evening part belongs to today, the early-morning part to yesterday's opening.
    if clock >= department.opens_at:
        return str(weekday) in department.open_weekdays
    return clock < department.closes_at and str((weekday - 1) % 7) in department.open_weekdays


def list_hospitals(*, session: Session) -> list[Hospital]:
    return list(session.scalars(sa.select(Hospital).order_by(Hospital.code)))


def list_departments(*, session: Session, hospital_code: str, now: datetime) -> list[DepartmentHours]:
    hospital = get_hospital(session, hospital_code)
    departments = session.scalars(
        sa.select(Department)
        .where(Department.hospital_id == hospital.id, Department.active.is_(True))
        .order_by(Department.code)
    )
    return [DepartmentHours(d, is_open(d, now)) for d in departments]
