"""Life-event models: which agency an officer works for, hospital notifications, linked applications with their
steps and recorded events, birth and death registrations, welfare regimes and burial allowances."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.database import Base

# Agencies an officer account can work for. Without a row an officer is a residence (police) officer, as before.
CIVIL_STATUS, POLICE, SOCIAL_INSURANCE, LABOUR = "civil_status", "police", "social_insurance", "labour"
OFFICES = (CIVIL_STATUS, SOCIAL_INSURANCE, LABOUR)

# Steps and their states.
BIRTH_REGISTRATION, PERMANENT_RESIDENCE, HEALTH_INSURANCE = (
    "birth_registration",
    "permanent_residence",
    "health_insurance",
)
DEATH_REGISTRATION, RESIDENCE_DEREGISTRATION, BURIAL_ALLOWANCE = (
    "death_registration",
    "residence_deregistration",
    "burial_allowance",
)
WAITING, AWAITING_CONSENT, READY, DONE, REFUSED, CANCELLED = (
    "waiting",
    "awaiting_consent",
    "ready",
    "done",
    "refused",
    "cancelled",
)


class OfficerOffice(Base):
    """The agency an officer account works for (cán bộ tư pháp - hộ tịch, BHXH, LĐTB&XH); its jurisdiction is
    the account's scope_code, like every officer's."""

    __tablename__ = "officer_offices"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), primary_key=True)
    office: Mapped[str] = mapped_column(sa.String(20))

    __table_args__ = (sa.CheckConstraint("office IN ('civil_status', 'social_insurance', 'labour')", name="office"),)


class HospitalNotification(Base):
    """Giấy chứng sinh (birth certificate) or giấy báo tử (death notice) issued by hospital staff."""

    __tablename__ = "hospital_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(6))  # birth | death
    hospital_id: Mapped[int] = mapped_column(sa.ForeignKey("hospitals.id"), index=True)
    issued_by_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    # Birth: the mother. Death: the deceased.
    subject_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    # Death: the relative the hospital handed the notice to (holder of the signed document).
    informant_citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    event_at: Mapped[datetime]  # born at / died at
    place: Mapped[str] = mapped_column(sa.String(200))
    child_sex: Mapped[str | None] = mapped_column(sa.String(6))
    weight_grams: Mapped[int | None]
    cause: Mapped[str | None] = mapped_column(sa.String(200))
    document_id: Mapped[str] = mapped_column(sa.String(36))
    issued_at: Mapped[datetime]

    __table_args__ = (sa.CheckConstraint("kind IN ('birth', 'death')", name="kind"),)


class LifeEventApplication(Base):
    """One declaration by a citizen that runs several agencies' procedures (thủ tục liên thông)."""

    __tablename__ = "life_event_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # birth | death | residence
    applicant_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    # One application per notification: a birth cannot be registered twice from one certificate.
    # A permanent-residence application on its own has none.
    notification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hospital_notifications.id"), unique=True)
    subject_citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    declaration_json: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12), default="in_progress")  # in_progress | completed | ...
    late: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    steps: Mapped[list[LifeEventStep]] = relationship(order_by="LifeEventStep.position", back_populates="application")
    events: Mapped[list[LifeEventLog]] = relationship(order_by="LifeEventLog.id")


class LifeEventStep(Base):
    """One agency's part of an application, in that agency's work queue with its legal deadline."""

    __tablename__ = "life_event_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("life_event_applications.id"), index=True)
    position: Mapped[int]
    step: Mapped[str] = mapped_column(sa.String(30))
    agency: Mapped[str] = mapped_column(sa.String(20), index=True)
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    province_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    ready_at: Mapped[datetime | None]
    due_on: Mapped[date | None]
    decided_at: Mapped[datetime | None]
    decided_by_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    refusal_reason: Mapped[str | None] = mapped_column(sa.String(300))
    refusal_action: Mapped[str | None] = mapped_column(sa.String(300))
    result_ref: Mapped[str | None] = mapped_column(sa.String(60))  # the record or document the step produced
    document_id: Mapped[str | None] = mapped_column(sa.String(36))

    application: Mapped[LifeEventApplication] = relationship(back_populates="steps")

    __table_args__ = (sa.UniqueConstraint("application_id", "step", name="uq_life_event_steps_application_step"),)


class LifeEventLog(Base):
    """A recorded change of a step: the citizen's timeline and the processing-time figures come from here."""

    __tablename__ = "life_event_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("life_event_applications.id"), index=True)
    step: Mapped[str | None] = mapped_column(sa.String(30))
    status: Mapped[str] = mapped_column(sa.String(20))
    occurred_at: Mapped[datetime]
    actor_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    note: Mapped[str | None] = mapped_column(sa.String(300))


class BirthRegistration(Base):
    """Đăng ký khai sinh: the child's registry record and its parents."""

    __tablename__ = "birth_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), unique=True)
    mother_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    father_citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("hospital_notifications.id"), unique=True)
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"))
    registered_on: Mapped[date]
    late: Mapped[bool]
    registered_by_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))


class DeathRegistration(Base):
    """Đăng ký khai tử, with what its effects changed (so that revoking a wrong one restores exactly that)."""

    __tablename__ = "death_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("hospital_notifications.id"), unique=True)
    died_on: Mapped[date]
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"))
    registered_on: Mapped[date]
    late: Mapped[bool]
    registered_by_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    effects_json: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(8), default="active")  # active | revoked
    revoked_at: Mapped[datetime | None]
    revoked_by_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(300))


class WelfareEnrolment(Base):
    """The regime a person belongs to for death benefits: social-insurance contributor or pensioner, social-
    protection beneficiary, person with merit (người có công)."""

    __tablename__ = "welfare_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    regime: Mapped[str] = mapped_column(sa.String(20))
    since: Mapped[date]

    __table_args__ = (
        sa.CheckConstraint("regime IN ('social_insurance', 'social_protection', 'merit')", name="regime"),
    )


class BurialAllowance(Base):
    """Trợ cấp mai táng / hỗ trợ chi phí mai táng granted for a death, paid to the declaring relative."""

    __tablename__ = "burial_allowances"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("life_event_applications.id"), unique=True)
    deceased_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    payee_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    regime: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    legal_source: Mapped[str] = mapped_column(sa.String(300))
    disbursement_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_disbursements.id"))
