"""Residence models: applications (with members, events, attachments), temporary residences and accommodation
notices."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.timestamps import TimestampMixin
from backend.database import Base

# Application states. "Open" ones can still change; the others are final.
AWAITING_OWNER_CONSENT, UNDER_REVIEW = "awaiting_owner_consent", "under_review"
AWAITING_PARENT_CONSENT = "awaiting_parent_consent"  # a minor's application (Luật Cư trú Art. 28(1)(a))
NEEDS_INFORMATION = "needs_information"
APPROVED, REJECTED, WITHDRAWN = "approved", "rejected", "withdrawn"
OPEN_STATUSES = (AWAITING_PARENT_CONSENT, AWAITING_OWNER_CONSENT, UNDER_REVIEW, NEEDS_INFORMATION)
ALL_STATUSES = OPEN_STATUSES + (APPROVED, REJECTED, WITHDRAWN)


class ResidenceApplication(Base, TimestampMixin):
    """An application to register (or extend) temporary residence (hồ sơ đăng ký / gia hạn tạm trú)."""

    __tablename__ = "residence_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12))  # registration | extension
    applicant_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    province_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    street: Mapped[str] = mapped_column(sa.String(200))
    street_folded: Mapped[str] = mapped_column(sa.String(200))
    legal_basis: Mapped[str] = mapped_column(sa.String(12))  # owner | tenancy | lending | relative
    owner_citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    # The owner's ID number as the applicant typed it. Kept even when it names nobody in the registry, so the
    # application looks the same to the applicant either way (the owner's existence is not disclosed).
    owner_personal_id: Mapped[str | None] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date]
    end_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(24), index=True)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime]
    owner_consent_at: Mapped[datetime | None]
    guardian_citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    guardian_consent_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]  # complete (consent given): the legal deadline runs from here
    due_on: Mapped[date | None]
    decided_at: Mapped[datetime | None]
    decided_by_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))

    members: Mapped[list[ResidenceApplicationMember]] = relationship(
        order_by="ResidenceApplicationMember.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ResidenceApplicationEvent]] = relationship(
        order_by="ResidenceApplicationEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[ResidenceAttachment]] = relationship(
        order_by="ResidenceAttachment.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("end_date > start_date", name="period"),
        sa.CheckConstraint("kind IN ('registration', 'extension')", name="kind"),
    )


class ResidenceApplicationMember(Base):
    """A household member registering together with the applicant (người cùng đăng ký)."""

    __tablename__ = "residence_application_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("residence_applications.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)

    __table_args__ = (
        sa.UniqueConstraint(
            "application_id", "citizen_id", name="uq_residence_application_members_application_citizen"
        ),
    )


class ResidenceApplicationEvent(Base):
    """One timestamped status change of an application."""

    __tablename__ = "residence_application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("residence_applications.id"), index=True)
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(24))
    actor_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)


class ResidenceAttachment(Base):
    """A supporting document (proof of lawful residence, contract...), type checked by content."""

    __tablename__ = "residence_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("residence_applications.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(120))
    media_type: Mapped[str] = mapped_column(sa.String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_at: Mapped[datetime]


class TemporaryResidence(Base):
    """A registered temporary residence (tạm trú) of one person; the registry's Citizen.temporary_* fields
    mirror the active one."""

    __tablename__ = "temporary_residences"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    street: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date]
    end_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(8), default="active")  # active | ended
    ended_on: Mapped[date | None]
    ended_reason: Mapped[str | None] = mapped_column(sa.String(40))
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residence_applications.id"))
    reminded_at: Mapped[datetime | None]

    __table_args__ = (sa.CheckConstraint("status IN ('active', 'ended')", name="status"),)


class AccommodationEstablishment(Base, TimestampMixin):
    """A registered accommodation establishment (cơ sở lưu trú: hotel, guesthouse, homestay), registered by
    the ward police or an administrator, and the account that operates it: only that account sends
    notices in its name."""

    __tablename__ = "accommodation_establishments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(150))
    licence_number: Mapped[str] = mapped_column(sa.String(40), unique=True)  # business registration / licence
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    province_code: Mapped[str] = mapped_column(sa.String(2))
    street: Mapped[str] = mapped_column(sa.String(200))
    operator_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    registered_by_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    active: Mapped[bool] = mapped_column(default=True)


class AccommodationNotice(Base):
    """An overnight stay notified to the ward police (thông báo lưu trú)."""

    __tablename__ = "accommodation_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_ref: Mapped[str] = mapped_column(sa.String(32), index=True)
    notifier_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    establishment_name: Mapped[str | None] = mapped_column(sa.String(150))
    # Set for a business notice: the registered establishment the notifier operates.
    establishment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accommodation_establishments.id"), index=True)
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    province_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    street: Mapped[str] = mapped_column(sa.String(200))
    guest_personal_id: Mapped[str] = mapped_column(sa.String(12))
    guest_name: Mapped[str] = mapped_column(sa.String(100))
    guest_relationship: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(200))
    arrival_at: Mapped[datetime]
    departure_on: Mapped[date]
    deadline_at: Mapped[datetime]
    submitted_at: Mapped[datetime]
    late: Mapped[bool]
