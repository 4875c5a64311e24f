"""Hospital check-in models: hospitals, departments (khoa / phòng khám) with opening hours, check-ins,
queue tickets (số thứ tự) and their per-day counters, kiosk registrations (consent receipts: backend.consent)."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.timestamps import TimestampMixin
from backend.database import Base


class Hospital(Base, TimestampMixin):
    """Bệnh viện: a facility with a level (tuyến) that decides out-of-route coverage."""

    __tablename__ = "hospitals"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)  # account scope_code of its staff and kiosks
    name: Mapped[str] = mapped_column(sa.String(150))
    name_en: Mapped[str] = mapped_column(sa.String(150))
    level: Mapped[str] = mapped_column(sa.String(10))  # central | provincial | district
    province_code: Mapped[str] = mapped_column(sa.String(2))
    # The BHYT facility code, compared with the card's registered primary-care facility.
    facility_code: Mapped[str] = mapped_column(sa.String(10), unique=True)

    departments: Mapped[list[Department]] = relationship(back_populates="hospital", order_by="Department.code")

    __table_args__ = (sa.CheckConstraint("level IN ('central', 'provincial', 'district')", name="level"),)


class Department(Base):
    """Khoa / phòng khám. Opening hours may cross midnight (closes_at < opens_at: an overnight clinic)."""

    __tablename__ = "hospital_departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(sa.ForeignKey("hospitals.id"))
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    location: Mapped[str] = mapped_column(sa.String(120), default="")
    opens_at: Mapped[time]
    closes_at: Mapped[time]
    open_weekdays: Mapped[str] = mapped_column(sa.String(7), default="012345")  # Monday = 0
    active: Mapped[bool] = mapped_column(default=True)

    hospital: Mapped[Hospital] = relationship(back_populates="departments")

    __table_args__ = (sa.UniqueConstraint("hospital_id", "code", name="uq_hospital_departments_hospital_code"),)


class KioskRegistration(Base):
    """A kiosk account of one hospital and the block of provisional numbers it may issue offline."""

    __tablename__ = "hospital_kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), unique=True)
    hospital_id: Mapped[int] = mapped_column(sa.ForeignKey("hospitals.id"))
    provisional_block: Mapped[int]
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    created_at: Mapped[datetime]

    __table_args__ = (
        sa.UniqueConstraint("hospital_id", "provisional_block", name="uq_hospital_kiosks_hospital_block"),
    )


class Checkin(Base):
    """Tiếp đón: one identified presence of a patient at a hospital, with the insurance result."""

    __tablename__ = "hospital_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    hospital_id: Mapped[int] = mapped_column(sa.ForeignKey("hospitals.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    kiosk_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    method: Mapped[str] = mapped_column(sa.String(20))  # chip | cccd_qr | signed_qr | id_and_dob
    proof_ref: Mapped[str | None] = mapped_column(sa.String(64), unique=True)  # signed-QR jti: one use only
    # What the server itself verified (shared_schemas.identification.TRUST_LEVELS), and the kiosk's own
    # chip verdict, kept as its claim.
    trust_level: Mapped[str] = mapped_column(sa.String(24))
    kiosk_claim: Mapped[str | None] = mapped_column(sa.String(20))
    identified_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    visit_type: Mapped[str] = mapped_column(sa.String(12))  # outpatient | inpatient
    referral: Mapped[bool] = mapped_column(default=False)
    emergency: Mapped[bool] = mapped_column(default=False)
    insurance_card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("health_insurance_cards.id"))
    insurance_status: Mapped[str] = mapped_column(sa.String(16))  # valid | expired | not_yet_valid | none
    in_route: Mapped[bool]
    coverage_percent: Mapped[int]
    # None when the server could not verify that the citizen was there (card data presented, details typed).
    consent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("consent_receipts.id"))


class QueueCounter(Base):
    """The last queue number given per department per service day. Its row is also the lock that
    serialises ticket issuing for that department, so numbers are never duplicated."""

    __tablename__ = "hospital_queue_counters"

    hospital_code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    department_code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    service_date: Mapped[date] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class QueueTicket(Base):
    """Phiếu số thứ tự: a place in one department's queue on one day."""

    __tablename__ = "hospital_queue_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("hospital_departments.id"))
    service_date: Mapped[date]
    number: Mapped[int]
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    checkin_id: Mapped[int] = mapped_column(sa.ForeignKey("hospital_checkins.id"), index=True)
    # waiting | called | done | skipped (called and absent: recalling puts them back on the board)
    status: Mapped[str] = mapped_column(sa.String(10), default="waiting")
    provisional: Mapped[bool] = mapped_column(default=False)
    # The patient's choice at the kiosk: insurance (khám BHYT) | self_pay (khám dịch vụ).
    payment: Mapped[str] = mapped_column(sa.String(10), default="insurance", server_default="insurance")
    issued_at: Mapped[datetime]
    called_at: Mapped[datetime | None]
    called_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    # How many times staff called this number again: each recall is a new announcement on the waiting-room screen.
    recalls: Mapped[int] = mapped_column(default=0, server_default="0")

    department: Mapped[Department] = relationship()
    checkin: Mapped[Checkin] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("department_id", "service_date", "number", name="uq_hospital_queue_tickets_number"),
        sa.Index("ix_hospital_queue_tickets_queue", "department_id", "service_date", "status"),
        # One open ticket per patient, queue and day: what issuing a ticket relies on instead of a lock.
        sa.Index(
            "uq_hospital_queue_tickets_open_per_patient",
            "department_id",
            "service_date",
            "citizen_id",
            unique=True,
            postgresql_where=sa.text("status <> 'done'"),
            sqlite_where=sa.text("status <> 'done'"),
        ),
        sa.CheckConstraint("status IN ('waiting', 'called', 'done', 'skipped')", name="status"),
    )
