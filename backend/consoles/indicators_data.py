"""The Project 06 (Đề án 06) indicators as a read model over the domains' own records: every point of every rate
is one case in the database (an application, a decision, a certificate, a fine, a citizen), so each lost point can
be shown. Nothing here is typed in; the definitions are in DEFINITIONS and on the dashboard page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.models import Account
from backend.consoles.indicators_definitions import (  # noqa: F401 (the names the dashboard uses)
    BY_KEY,
    DEFINITIONS,
    E_PAYMENT,
    E_RESULTS,
    LEVEL2,
    LEVEL2_MIN_AGE,
    ON_TIME,
    ONLINE,
)
from backend.core import clock
from backend.judicial.models import CertificateRequest
from backend.law import store as law
from backend.life_events.models import HospitalNotification, LifeEventApplication, LifeEventStep
from backend.payments.models import PaymentPosting
from backend.registry.models import AdministrativeUnit, Citizen
from backend.residence.models import APPROVED, ResidenceApplication
from backend.traffic.models import PenaltyDecision


@dataclass(frozen=True)
class Case:
    """One point of one indicator: `ok` when it counts for the rate, otherwise a lost point."""

    indicator: str
    ref: str
    kind: str
    province_code: str
    ward_code: str
    on: date  # the day the point was scored
    ok: bool
    due_on: date | None = None
    done_on: date | None = None
    note: str = ""
    citizen_id: int | None = None


def _day(moment: datetime | None) -> date | None:
    return clock.local_date(moment) if moment else None


@dataclass(frozen=True)
class _Window:
    """What every query narrows to: the first day scored, its first moment, today, and one province or all."""

    since: date
    start: datetime
    today: date
    province_code: str | None

    def province(self, column):
        return sa.true() if self.province_code is None else column == self.province_code


def event_cases(*, session: Session, since: date, province_code: str | None) -> list[Case]:
    """Every point of the four event-based indicators scored on or after `since` (one province or all). Each
    query reads only the columns it needs, from `since` on, in the province asked: the dashboard stays fast on a
    national database."""
    window = _Window(since, clock.end_of_local_day(since - timedelta(days=1)), clock.today(), province_code)
    cases = _online(session, window) + _on_time(session, window) + _e_results(session, window)
    cases += _e_payment(session, window)
    return [c for c in cases if c.on >= since and (province_code is None or c.province_code == province_code)]


_HOME = (Citizen.permanent_province_code, Citizen.permanent_ward_code)


def _online(session: Session, w: _Window) -> list[Case]:
    cases = [
        Case(ONLINE, f"TT-{id_}", "residence", province, ward, _day(at), True, citizen_id=citizen)
        for id_, province, ward, at, citizen in session.execute(
            sa.select(
                ResidenceApplication.id,
                ResidenceApplication.province_code,
                ResidenceApplication.ward_code,
                ResidenceApplication.submitted_at,
                ResidenceApplication.applicant_citizen_id,
            ).where(ResidenceApplication.submitted_at >= w.start, w.province(ResidenceApplication.province_code))
        )
    ]
    cases += [
        Case(ONLINE, number, "judicial", province, ward, _day(at), True, citizen_id=citizen)
        for number, at, citizen, province, ward in session.execute(
            sa.select(
                CertificateRequest.number,
                CertificateRequest.requested_at,
                CertificateRequest.subject_citizen_id,
                *_HOME,
            )
            .join(Citizen, Citizen.id == CertificateRequest.subject_citizen_id)
            .where(CertificateRequest.requested_at >= w.start, w.province(Citizen.permanent_province_code))
        )
    ]
    cases += [
        Case(ONLINE, public_id[:12], f"life-{kind}", province, ward, _day(at), True, citizen_id=citizen)
        for public_id, kind, at, citizen, province, ward in session.execute(
            sa.select(
                LifeEventApplication.public_id,
                LifeEventApplication.kind,
                LifeEventApplication.submitted_at,
                LifeEventApplication.applicant_citizen_id,
                *_HOME,
            )
            .join(Citizen, Citizen.id == LifeEventApplication.applicant_citizen_id)
            .where(LifeEventApplication.submitted_at >= w.start, w.province(Citizen.permanent_province_code))
        )
    ]
    return cases + _undeclared_notices(session, w)


def _undeclared_notices(session: Session, w: _Window) -> list[Case]:
    """Hospital birth/death notices no online application followed within the legal period (the longest period
    is 60 days: older notices were scored before the window)."""
    declared = sa.select(LifeEventApplication.id).where(LifeEventApplication.notification_id == HospitalNotification.id)
    rows = session.execute(
        sa.select(
            HospitalNotification.public_id,
            HospitalNotification.kind,
            HospitalNotification.event_at,
            HospitalNotification.subject_citizen_id,
            *_HOME,
        )
        .join(Citizen, Citizen.id == HospitalNotification.subject_citizen_id)
        .where(
            ~declared.exists(),
            HospitalNotification.event_at >= w.start - timedelta(days=400),
            w.province(Citizen.permanent_province_code),
        )
    )
    cases = []
    for public_id, kind, event_at, citizen, province, ward in rows:
        event_on = _day(event_at)
        deadline = event_on + timedelta(days=law.value(f"civil.{kind}_registration_days", event_on))
        if deadline < w.today:
            cases.append(
                Case(
                    ONLINE,
                    public_id[:12],
                    f"notice-{kind}",
                    province,
                    ward,
                    deadline + timedelta(days=1),
                    False,
                    due_on=deadline,
                    citizen_id=citizen,
                )
            )
    return cases


def _timeliness(kind, ref, province, ward, due_on, done_on, today, citizen_id) -> Case | None:
    if done_on is not None:
        return Case(
            ON_TIME, ref, kind, province, ward, done_on, done_on <= due_on, due_on, done_on, citizen_id=citizen_id
        )
    if due_on < today:  # still open and already late: the point is lost the day after the deadline
        return Case(
            ON_TIME,
            ref,
            kind,
            province,
            ward,
            due_on + timedelta(days=1),
            False,
            due_on,
            None,
            note="open",
            citizen_id=citizen_id,
        )
    return None


def _scored_since(decided_column, due_column, w: _Window):
    """Decided in the window, or still open with a deadline that passed in it (or is still to come)."""
    return sa.or_(
        decided_column >= w.start,
        sa.and_(decided_column.is_(None), due_column >= w.since - timedelta(days=1)),
    )


def _on_time(session: Session, w: _Window) -> list[Case]:
    rows = [
        ("residence", f"TT-{id_}", province, ward, due, _day(decided), citizen)
        for id_, province, ward, due, decided, citizen in session.execute(
            sa.select(
                ResidenceApplication.id,
                ResidenceApplication.province_code,
                ResidenceApplication.ward_code,
                ResidenceApplication.due_on,
                ResidenceApplication.decided_at,
                ResidenceApplication.applicant_citizen_id,
            ).where(
                ResidenceApplication.due_on.is_not(None),
                _scored_since(ResidenceApplication.decided_at, ResidenceApplication.due_on, w),
                w.province(ResidenceApplication.province_code),
            )
        )
    ]
    rows += [
        ("judicial", number, province, ward, due, _day(issued), citizen)
        for number, due, issued, citizen, province, ward in session.execute(
            sa.select(
                CertificateRequest.number,
                CertificateRequest.due_on,
                CertificateRequest.issued_at,
                CertificateRequest.subject_citizen_id,
                *_HOME,
            )
            .join(Citizen, Citizen.id == CertificateRequest.subject_citizen_id)
            .where(
                CertificateRequest.due_on.is_not(None),
                _scored_since(CertificateRequest.issued_at, CertificateRequest.due_on, w),
                w.province(Citizen.permanent_province_code),
            )
        )
    ]
    rows += [
        (f"step-{step}", f"{public_id[:12]}/{position}", province, ward, due, _day(decided), citizen)
        for step, position, province, ward, due, decided, public_id, citizen in session.execute(
            sa.select(
                LifeEventStep.step,
                LifeEventStep.position,
                LifeEventStep.province_code,
                LifeEventStep.ward_code,
                LifeEventStep.due_on,
                LifeEventStep.decided_at,
                LifeEventApplication.public_id,
                LifeEventApplication.applicant_citizen_id,
            )
            .join(LifeEventApplication, LifeEventApplication.id == LifeEventStep.application_id)
            .where(
                LifeEventStep.due_on.is_not(None),
                _scored_since(LifeEventStep.decided_at, LifeEventStep.due_on, w),
                w.province(LifeEventStep.province_code),
            )
        )
    ]
    cases = [
        _timeliness(kind, ref, p, ward, due, done, w.today, citizen) for kind, ref, p, ward, due, done, citizen in rows
    ]
    return [c for c in cases if c is not None]


def _e_results(session: Session, w: _Window) -> list[Case]:
    cases = [
        Case(E_RESULTS, f"TT-{id_}", "residence", province, ward, _day(decided), True, citizen_id=citizen)
        for id_, province, ward, decided, citizen in session.execute(
            sa.select(
                ResidenceApplication.id,
                ResidenceApplication.province_code,
                ResidenceApplication.ward_code,
                ResidenceApplication.decided_at,
                ResidenceApplication.applicant_citizen_id,
            ).where(
                ResidenceApplication.status == APPROVED,
                ResidenceApplication.decided_at >= w.start,
                w.province(ResidenceApplication.province_code),
            )
        )
    ]
    for number, issued, delivery, document_id, citizen, province, ward in session.execute(
        sa.select(
            CertificateRequest.number,
            CertificateRequest.issued_at,
            CertificateRequest.delivery,
            CertificateRequest.document_id,
            CertificateRequest.subject_citizen_id,
            *_HOME,
        )
        .join(Citizen, Citizen.id == CertificateRequest.subject_citizen_id)
        .where(CertificateRequest.issued_at >= w.start, w.province(Citizen.permanent_province_code))
    ):
        electronic = delivery == "electronic" and document_id is not None
        cases.append(
            Case(
                E_RESULTS,
                number,
                "judicial",
                province,
                ward,
                _day(issued),
                electronic,
                note="" if electronic else "post",
                citizen_id=citizen,
            )
        )
    return cases


def _e_payment(session: Session, w: _Window) -> list[Case]:
    cases = [
        Case(E_PAYMENT, receipt, kind, province, ward, _day(posted), True, citizen_id=citizen)
        for receipt, kind, posted, citizen, province, ward in session.execute(
            sa.select(
                PaymentPosting.receipt_number,
                PaymentPosting.purpose_kind,
                PaymentPosting.posted_at,
                PaymentPosting.citizen_id,
                *_HOME,
            )
            .join(Citizen, Citizen.id == PaymentPosting.citizen_id)
            .where(PaymentPosting.posted_at >= w.start, w.province(Citizen.permanent_province_code))
        )
    ]
    unpaid = session.execute(
        sa.select(
            PenaltyDecision.number,
            PenaltyDecision.ward_code,
            PenaltyDecision.payment_deadline,
            PenaltyDecision.liable_citizen_id,
            AdministrativeUnit.province_code,
        )
        .join(AdministrativeUnit, AdministrativeUnit.code == PenaltyDecision.ward_code)
        .where(
            PenaltyDecision.status == "unpaid",
            PenaltyDecision.payment_deadline < w.today,
            PenaltyDecision.payment_deadline >= w.since - timedelta(days=1),
            w.province(AdministrativeUnit.province_code),
        )
    )
    for number, ward, deadline, citizen, province in unpaid:
        cases.append(
            Case(
                E_PAYMENT,
                number,
                "traffic-fine",
                province,
                ward,
                deadline + timedelta(days=1),
                False,
                due_on=deadline,
                citizen_id=citizen,
            )
        )
    return cases


@dataclass(frozen=True)
class Population:
    """Per commune: citizens eligible for level 2 at a day, and those who held level 2 by then."""

    province_code: str
    ward_code: str
    eligible: int
    level2: int


def level2_populations(*, session: Session, ats: list[date], province_code: str | None) -> list[list[Population]]:
    """For each day in `ats`, per commune: counted in the database in one pass over the citizens (a national
    population is far too big to load, and one scan per period would multiply the cost)."""
    level2_since = sa.case(
        (Account.level == 2, sa.func.coalesce(Account.level_raised_at, Account.created_at)), else_=None
    )
    columns = []
    for at in ats:
        born_by = date(at.year - LEVEL2_MIN_AGE, at.month, min(at.day, 28))
        eligible = sa.and_(
            Citizen.date_of_birth <= born_by, sa.or_(Citizen.deceased_on.is_(None), Citizen.deceased_on > at)
        )
        holds = sa.and_(eligible, level2_since < clock.end_of_local_day(at))
        columns += [sa.func.sum(sa.case((eligible, 1), else_=0)), sa.func.sum(sa.case((holds, 1), else_=0))]
    query = (
        sa.select(Citizen.permanent_province_code, Citizen.permanent_ward_code, *columns)
        .outerjoin(
            Account,
            sa.and_(Account.citizen_id == Citizen.id, Account.role == "citizen", Account.status == "active"),
        )
        .group_by(Citizen.permanent_province_code, Citizen.permanent_ward_code)
        .order_by(Citizen.permanent_province_code, Citizen.permanent_ward_code)
    )
    if province_code is not None:
        query = query.where(Citizen.permanent_province_code == province_code)
    result: list[list[Population]] = [[] for _ in ats]
    for province, ward, *counts in session.execute(query):
        for index in range(len(ats)):
            eligible, level2 = int(counts[2 * index] or 0), int(counts[2 * index + 1] or 0)
            if eligible:
                result[index].append(Population(province, ward, eligible, level2))
    return result
