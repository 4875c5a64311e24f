"""The Project 06 (Đề án 06) indicators as a read model over the domains' own records: every point of every rate
is one case in the database (an application, a decision, a certificate, a fine, a citizen), so each lost point can
be shown. Nothing here is typed in; the definitions are in DEFINITIONS and on the dashboard page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.models import Account
from backend.core import clock
from backend.judicial.models import CertificateRequest
from backend.law import store as law
from backend.life_events.models import HospitalNotification, LifeEventApplication, LifeEventStep
from backend.payments.models import PaymentPosting
from backend.registry.models import AdministrativeUnit, Citizen
from backend.residence.models import APPROVED, ResidenceApplication
from backend.traffic.models import PenaltyDecision

ONLINE, ON_TIME, E_RESULTS, E_PAYMENT, LEVEL2 = "online", "on_time", "e_results", "e_payment", "level2"
LEVEL2_MIN_AGE = 14  # the age from which a citizen holds a chip ID card and may have a level-2 account


@dataclass(frozen=True)
class Definition:
    key: str
    vi: str
    en: str
    how_vi: str
    how_en: str
    lost_vi: str
    lost_en: str


DEFINITIONS = (
    Definition(
        ONLINE,
        "Tỷ lệ hồ sơ trực tuyến",
        "Online application rate",
        "Hồ sơ nộp trực tuyến (tạm trú, lý lịch tư pháp, liên thông khai sinh/khai tử) chia cho số hồ sơ đó cộng "
        "số giấy chứng sinh/giấy báo tử của bệnh viện mà gia đình không khai trực tuyến trong thời hạn luật định "
        "(60 ngày khai sinh, 15 ngày khai tử).",
        "Applications submitted online (temporary residence, judicial record, birth/death joint procedures) divided "
        "by those plus the hospitals' birth and death notices the family did not declare online within the legal "
        "period (60 days for a birth, 15 for a death).",
        "Giấy chứng sinh/báo tử không được khai trực tuyến đúng hạn",
        "Birth/death notices not declared online in time",
    ),
    Definition(
        ON_TIME,
        "Tỷ lệ giải quyết đúng hạn",
        "On-time rate",
        "Hồ sơ (tạm trú, lý lịch tư pháp, từng bước liên thông) có kết quả trong kỳ vào hoặc trước hạn luật định, "
        "chia cho số hồ sơ có kết quả trong kỳ cộng số hồ sơ chưa có kết quả mà quá hạn trong kỳ.",
        "Applications (temporary residence, judicial record, each joint-procedure step) decided in the period on or "
        "before their legal deadline, divided by those decided in the period plus those still open whose deadline "
        "passed in the period.",
        "Hồ sơ giải quyết trễ hạn hoặc đang quá hạn",
        "Applications decided late or overdue",
    ),
    Definition(
        E_RESULTS,
        "Tỷ lệ trả kết quả điện tử",
        "Electronic results rate",
        "Kết quả trả trong kỳ dưới dạng văn bản điện tử có chữ ký số (thông báo chấp thuận tạm trú, phiếu lý lịch "
        "tư pháp nhận bản điện tử) chia cho tổng số kết quả trả trong kỳ (kể cả phiếu chỉ gửi bản giấy qua bưu điện).",
        "Results issued in the period as signed electronic documents (temporary-residence approval notices, judicial "
        "record certificates delivered electronically) divided by all results issued in the period (including "
        "certificates sent on paper by post only).",
        "Kết quả chỉ trả bản giấy",
        "Results issued on paper only",
    ),
    Definition(
        E_PAYMENT,
        "Tỷ lệ thanh toán trực tuyến",
        "Online payment rate",
        "Khoản phí và tiền phạt thanh toán trực tuyến trong kỳ (biên lai điện tử) chia cho số khoản đó cộng số "
        "quyết định xử phạt hết hạn nộp trong kỳ mà chưa được nộp trực tuyến.",
        "Fees and fines paid online in the period (electronic receipts) divided by those plus the penalty decisions "
        "whose payment deadline passed in the period without an online payment.",
        "Tiền phạt hết hạn mà không nộp trực tuyến",
        "Fines past their deadline not paid online",
    ),
    Definition(
        LEVEL2,
        "Tỷ lệ kích hoạt định danh điện tử mức 2",
        "Level-2 electronic identity activation",
        f"Công dân còn sống từ {LEVEL2_MIN_AGE} tuổi trở lên (theo nơi thường trú) có tài khoản định danh điện tử "
        f"mức 2 vào cuối kỳ, chia cho số công dân đó.",
        f"Living citizens aged {LEVEL2_MIN_AGE} or over (by permanent residence) holding a level-2 electronic "
        "identity account at the end of the period, divided by all such citizens.",
        "Công dân đủ điều kiện chưa kích hoạt mức 2 (theo xã/phường)",
        "Eligible citizens without level 2 (by commune)",
    ),
)
BY_KEY = {d.key: d for d in DEFINITIONS}


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


def event_cases(*, session: Session, since: date, province_code: str | None) -> list[Case]:
    """Every point of the four event-based indicators scored on or after `since` (one province or all)."""
    today = clock.today()
    cases = _online(session, today) + _on_time(session, today) + _e_results(session) + _e_payment(session, today)
    return [c for c in cases if c.on >= since and (province_code is None or c.province_code == province_code)]


def _ward_of_citizens(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Citizen.id, Citizen.permanent_province_code, Citizen.permanent_ward_code).where(Citizen.id.in_(ids))
    )
    return {cid: (province, ward) for cid, province, ward in rows}


def _online(session: Session, today: date) -> list[Case]:
    cases = [
        Case(
            ONLINE,
            f"TT-{a.id}",
            "residence",
            a.province_code,
            a.ward_code,
            _day(a.submitted_at),
            True,
            citizen_id=a.applicant_citizen_id,
        )
        for a in session.scalars(sa.select(ResidenceApplication))
    ]
    requests = list(session.scalars(sa.select(CertificateRequest)))
    applications = list(session.scalars(sa.select(LifeEventApplication)))
    declared = {a.notification_id for a in applications if a.notification_id is not None}
    notices = [n for n in session.scalars(sa.select(HospitalNotification)) if n.id not in declared]
    wards = _ward_of_citizens(
        session,
        {r.subject_citizen_id for r in requests}
        | {a.applicant_citizen_id for a in applications}
        | {n.subject_citizen_id for n in notices},
    )
    for r in requests:
        province, ward = wards[r.subject_citizen_id]
        cases.append(
            Case(
                ONLINE,
                r.number,
                "judicial",
                province,
                ward,
                _day(r.requested_at),
                True,
                citizen_id=r.subject_citizen_id,
            )
        )
    for a in applications:
        province, ward = wards[a.applicant_citizen_id]
        cases.append(
            Case(
                ONLINE,
                a.public_id[:12],
                f"life-{a.kind}",
                province,
                ward,
                _day(a.submitted_at),
                True,
                citizen_id=a.applicant_citizen_id,
            )
        )
    for n in notices:
        event_on = _day(n.event_at)
        days = law.value(f"civil.{n.kind}_registration_days", event_on)
        deadline = event_on + timedelta(days=days)
        if deadline < today:
            province, ward = wards[n.subject_citizen_id]
            cases.append(
                Case(
                    ONLINE,
                    n.public_id[:12],
                    f"notice-{n.kind}",
                    province,
                    ward,
                    deadline + timedelta(days=1),
                    False,
                    due_on=deadline,
                    citizen_id=n.subject_citizen_id,
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


def _on_time(session: Session, today: date) -> list[Case]:
    cases = []
    for a in session.scalars(sa.select(ResidenceApplication).where(ResidenceApplication.due_on.is_not(None))):
        cases.append(
            _timeliness(
                "residence",
                f"TT-{a.id}",
                a.province_code,
                a.ward_code,
                a.due_on,
                _day(a.decided_at),
                today,
                a.applicant_citizen_id,
            )
        )
    requests = list(session.scalars(sa.select(CertificateRequest).where(CertificateRequest.due_on.is_not(None))))
    wards = _ward_of_citizens(session, {r.subject_citizen_id for r in requests})
    for r in requests:
        province, ward = wards[r.subject_citizen_id]
        cases.append(
            _timeliness("judicial", r.number, province, ward, r.due_on, _day(r.issued_at), today, r.subject_citizen_id)
        )
    steps = session.execute(
        sa.select(LifeEventStep, LifeEventApplication.public_id, LifeEventApplication.applicant_citizen_id)
        .join(LifeEventApplication, LifeEventApplication.id == LifeEventStep.application_id)
        .where(LifeEventStep.due_on.is_not(None))
    )
    for step, public_id, applicant in steps:
        cases.append(
            _timeliness(
                f"step-{step.step}",
                f"{public_id[:12]}/{step.position}",
                step.province_code,
                step.ward_code,
                step.due_on,
                _day(step.decided_at),
                today,
                applicant,
            )
        )
    return [c for c in cases if c is not None]


def _e_results(session: Session) -> list[Case]:
    cases = [
        Case(
            E_RESULTS,
            f"TT-{a.id}",
            "residence",
            a.province_code,
            a.ward_code,
            _day(a.decided_at),
            True,
            citizen_id=a.applicant_citizen_id,
        )
        for a in session.scalars(
            sa.select(ResidenceApplication).where(
                ResidenceApplication.status == APPROVED, ResidenceApplication.decided_at.is_not(None)
            )
        )
    ]
    issued = list(session.scalars(sa.select(CertificateRequest).where(CertificateRequest.issued_at.is_not(None))))
    wards = _ward_of_citizens(session, {r.subject_citizen_id for r in issued})
    for r in issued:
        province, ward = wards[r.subject_citizen_id]
        electronic = r.delivery == "electronic" and r.document_id is not None
        cases.append(
            Case(
                E_RESULTS,
                r.number,
                "judicial",
                province,
                ward,
                _day(r.issued_at),
                electronic,
                note="" if electronic else "post",
                citizen_id=r.subject_citizen_id,
            )
        )
    return cases


def _e_payment(session: Session, today: date) -> list[Case]:
    postings = list(session.scalars(sa.select(PaymentPosting)))
    wards = _ward_of_citizens(session, {p.citizen_id for p in postings})
    cases = []
    for p in postings:
        province, ward = wards[p.citizen_id]
        cases.append(
            Case(
                E_PAYMENT,
                p.receipt_number,
                p.purpose_kind,
                province,
                ward,
                _day(p.posted_at),
                True,
                citizen_id=p.citizen_id,
            )
        )
    unpaid = session.execute(
        sa.select(PenaltyDecision, AdministrativeUnit.province_code)
        .join(AdministrativeUnit, AdministrativeUnit.code == PenaltyDecision.ward_code)
        .where(PenaltyDecision.status == "unpaid", PenaltyDecision.payment_deadline < today)
    )
    for decision, province in unpaid:
        cases.append(
            Case(
                E_PAYMENT,
                decision.number,
                "traffic-fine",
                province,
                decision.ward_code,
                decision.payment_deadline + timedelta(days=1),
                False,
                due_on=decision.payment_deadline,
                citizen_id=decision.liable_citizen_id,
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


def level2_population(*, session: Session, at: date, province_code: str | None) -> list[Population]:
    """Counted in the database (one grouped query): a demo or real population is far too big to load."""
    born_by = date(at.year - LEVEL2_MIN_AGE, at.month, min(at.day, 28))
    end = clock.end_of_local_day(at)
    holds_level2 = sa.and_(Account.level == 2, sa.func.coalesce(Account.level_raised_at, Account.created_at) < end)
    query = (
        sa.select(
            Citizen.permanent_province_code,
            Citizen.permanent_ward_code,
            sa.func.count(Citizen.id),
            sa.func.count(Account.id).filter(holds_level2),
        )
        .outerjoin(
            Account,
            sa.and_(Account.citizen_id == Citizen.id, Account.role == "citizen", Account.status == "active"),
        )
        .where(Citizen.date_of_birth <= born_by, sa.or_(Citizen.deceased_on.is_(None), Citizen.deceased_on > at))
        .group_by(Citizen.permanent_province_code, Citizen.permanent_ward_code)
        .order_by(Citizen.permanent_province_code, Citizen.permanent_ward_code)
    )
    if province_code is not None:
        query = query.where(Citizen.permanent_province_code == province_code)
    return [Population(p, w, eligible, level2) for p, w, eligible, level2 in session.execute(query)]
