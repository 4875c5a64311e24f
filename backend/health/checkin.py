"""Check-in at a hospital kiosk: identify a present patient, compute BHYT coverage, record the consent and
the check-in; the read of the patient's data is audited with the purpose "hospital check-in"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.consent import service as consent_service
from backend.consent.models import ConsentReceipt
from backend.core import clock, idempotency
from backend.core.access import KIOSK, Principal
from backend.database import insert_row
from backend.errors import Forbidden, ValidationFailed
from backend.health import coverage
from backend.health.consents import Consent
from backend.health.identification import identify_patient
from backend.health.kiosks import kiosk_registration
from backend.health.models import (
    Checkin,
    Hospital,
)
from backend.registry.models import Citizen, HealthInsuranceCard
from shared_schemas.clock import VIETNAM_TZ as VIETNAM
from shared_schemas.text import mask_insurance_card, mask_personal_id

PURPOSE = "hospital check-in"
CHECKIN_LIFETIME = timedelta(minutes=30)
CHECKIN = "hospital-checkin"  # the operation, for Idempotency-Key replays
SHARED_DATA = "identity,health_insurance"


@dataclass(frozen=True)
class Patient:
    """Who was checked in, as the kiosk may show it (PatientSchema): the personal ID masked."""

    full_name: str
    personal_id_masked: str
    date_of_birth: date
    sex: str

    @classmethod
    def of(cls, citizen: Citizen) -> Patient:
        return cls(citizen.full_name, mask_personal_id(citizen.personal_id), citizen.date_of_birth, citizen.sex)


@dataclass(frozen=True)
class Insurance:
    """The BHYT coverage computed at check-in with the card it was computed from (InsuranceSchema)."""

    coverage: coverage.Coverage
    card: HealthInsuranceCard | None

    @property
    def card_number_masked(self) -> str | None:
        return mask_insurance_card(self.card.card_number) if self.card else None

    @property
    def benefit_level(self) -> int | None:
        return self.card.benefit_level if self.card else None

    @property
    def primary_care_facility_name(self) -> str | None:
        return self.card.primary_care_facility_name if self.card else None

    def __getattr__(self, name: str):  # status, valid_to, in_route, ..., message_en: the computed coverage's
        return getattr(self.coverage, name)


@dataclass
class CheckinResult:
    """A check-in as the kiosk receives it (CheckinSchema dumps it)."""

    checkin: Checkin
    citizen: Citizen
    hospital: Hospital
    card: HealthInsuranceCard | None
    result: coverage.Coverage
    consent_receipt: ConsentReceipt | None

    @property
    def id(self) -> str:
        return self.checkin.public_id

    def __getattr__(self, name: str):  # method, identified_at, expires_at, trust_level: the check-in's own
        return getattr(self.checkin, name)

    @property
    def patient(self) -> Patient:
        return Patient.of(self.citizen)

    @property
    def insurance(self) -> Insurance:
        return Insurance(self.result, self.card)

    @property
    def consent(self) -> Consent | None:
        return Consent.of(self.consent_receipt, clock.now()) if self.consent_receipt else None


def new_public_id() -> str:
    return uuid.uuid4().hex


def _current_card(cards: tuple[HealthInsuranceCard, ...], on: date) -> HealthInsuranceCard | None:
    """`cards`: the citizen's, latest end of validity first (read with the citizen, `identify_patient`)."""
    valid = [c for c in cards if c.valid_from <= on <= c.valid_to]
    return (valid or cards or [None])[0]


def insurance_coverage(card, hospital: Hospital, on: date, checkin_flags: dict) -> coverage.Coverage:
    facts = None
    if card is not None:
        facts = coverage.CardFacts(
            card.card_number,
            card.valid_from,
            card.valid_to,
            card.benefit_level,
            card.primary_care_facility_code,
            card.primary_care_facility_name,
        )
    return coverage.compute(
        facts, on=on, hospital_level=hospital.level, hospital_facility_code=hospital.facility_code, **checkin_flags
    )


def _load_checkin_result(session: Session, checkin: Checkin) -> CheckinResult:
    hospital = session.get(Hospital, checkin.hospital_id)
    card = session.get(HealthInsuranceCard, checkin.insurance_card_id) if checkin.insurance_card_id else None
    flags = {"visit_type": checkin.visit_type, "referral": checkin.referral, "emergency": checkin.emergency}
    return CheckinResult(
        checkin,
        session.get(Citizen, checkin.citizen_id),
        hospital,
        card,
        insurance_coverage(card, hospital, clock.local_date(checkin.identified_at), flags),
        session.get(ConsentReceipt, checkin.consent_id) if checkin.consent_id else None,
    )


def create_checkin(
    *, session: Session, principal: Principal, data: dict, idempotency_key: str | None, now: datetime | None = None
) -> CheckinResult:
    """A kiosk identified a present patient: record consent and the check-in, audit the read."""
    if principal.role != KIOSK:
        raise Forbidden("Only hospital kiosks check patients in.")
    now = now or clock.now()

    def check_in() -> tuple[CheckinResult, str]:
        _, hospital = kiosk_registration(session=session, principal=principal)
        identified_at = data.get("identified_at") or now
        if identified_at > now + timedelta(minutes=5) or identified_at < now - timedelta(days=1):
            raise ValidationFailed(
                "identified_at must be within the last day.",
                errors={"json": {"identified_at": ["Outside the accepted window."]}},
            )
        on = clock.local_date(identified_at)
        proof = data["identification"]
        who = identify_patient(
            session=session, principal=principal, proof=proof, identified_at=identified_at, on=on, now=now
        )
        citizen = who.citizen
        card = _current_card(who.insurance_cards, on)
        flags = {
            "visit_type": data.get("visit_type", "outpatient"),
            "referral": data.get("referral", False),
            "emergency": data.get("emergency", False),
        }
        result = insurance_coverage(card, hospital, on, flags)
        consent = None
        if who.consented:  # only an identification the server verified stands for the citizen's own consent
            day_end = datetime.combine(on, time(23, 59, 59), tzinfo=VIETNAM).astimezone(UTC)
            consent = consent_service.grant(
                session=session,
                citizen_id=citizen.id,
                recipient_code=hospital.code,
                recipient_name=hospital.name,
                fields=SHARED_DATA.split(","),
                purpose=PURPOSE,
                collected_via=principal.label,
                granted_at=identified_at,
                valid_until=day_end,
            )
        checkin = Checkin(
            public_id=new_public_id(),
            hospital_id=hospital.id,
            citizen_id=citizen.id,
            kiosk_account_id=principal.account_id,
            method=proof["method"],
            trust_level=who.trust_level,
            kiosk_claim=who.kiosk_claim,
            proof_ref=who.proof_ref,
            identified_at=identified_at,
            expires_at=max(identified_at, now) + CHECKIN_LIFETIME,
            insurance_card_id=card.id if card else None,
            insurance_status=result.status,
            in_route=result.in_route,
            coverage_percent=result.coverage_percent,
            consent_id=consent.id if consent else None,
            **flags,
        )
        insert_row(session, checkin)
        record_access(
            session=session,
            principal=principal,
            subject_citizen_ids=[citizen.id],
            action="read",
            record_type="health-checkin",
            record_ref=checkin.public_id,
            purpose=PURPOSE,
        )
        return CheckinResult(checkin, citizen, hospital, card, result, consent), checkin.public_id

    return idempotency.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation=CHECKIN,
        request=data,
        replay=lambda ref: _load_checkin_result(
            session, session.scalar(sa.select(Checkin).where(Checkin.public_id == ref))
        ),
        make=check_in,
        now=now,
    )
