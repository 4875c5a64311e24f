"""Registry models: administrative units, citizens, households, and what citizens hold
(vehicles, driving licences, health-insurance cards)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.timestamps import TimestampMixin
from backend.database import Base


class AdministrativeUnit(Base):
    """Đơn vị hành chính: a province (tỉnh/thành phố), district (quận/huyện) or ward (phường/xã)."""

    __tablename__ = "administrative_units"

    code: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str] = mapped_column(sa.String(10))  # province | district | ward
    parent_code: Mapped[str | None] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    province_code: Mapped[str] = mapped_column(sa.String(2), index=True)

    __table_args__ = (sa.CheckConstraint("level IN ('province', 'district', 'ward')", name="level"),)


class Household(Base, TimestampMixin):
    """Hộ gia đình: people registered at one permanent address, with a head (chủ hộ)."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    street_address: Mapped[str] = mapped_column(sa.String(200))
    head_citizen_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey(
            "citizens.id",
            use_alter=True,
            name="fk_households_head_citizen_id_citizens",
            deferrable=True,
            initially="DEFERRED",
        ),
        index=True,
    )

    members: Mapped[list[Citizen]] = relationship(
        back_populates="household", foreign_keys="Citizen.household_id", order_by="Citizen.id"
    )


class Citizen(Base, TimestampMixin):
    """Công dân: one person in the registry, keyed by the 12-digit personal ID (số định danh cá nhân)."""

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    personal_id: Mapped[str] = mapped_column(sa.String(12), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(100))
    name_folded: Mapped[str] = mapped_column(sa.String(100), index=True)
    date_of_birth: Mapped[date]
    sex: Mapped[str] = mapped_column(sa.String(6))
    old_id_number: Mapped[str | None] = mapped_column(sa.String(9))
    ethnicity: Mapped[str] = mapped_column(sa.String(30), default="Kinh")
    religion: Mapped[str | None] = mapped_column(sa.String(40))
    nationality: Mapped[str] = mapped_column(sa.String(30), default="Việt Nam")
    place_of_origin: Mapped[str | None] = mapped_column(sa.String(200))

    permanent_ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    permanent_street: Mapped[str] = mapped_column(sa.String(200))
    permanent_province_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    temporary_ward_code: Mapped[str | None] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    temporary_street: Mapped[str | None] = mapped_column(sa.String(200))
    temporary_until: Mapped[date | None]

    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("households.id"), index=True)
    relation_to_head: Mapped[str | None] = mapped_column(sa.String(30))
    deceased_on: Mapped[date | None]
    # The mobile number recorded in the registry: where a self-registration's one-time code is sent.
    phone: Mapped[str | None] = mapped_column(sa.String(15))

    household: Mapped[Household | None] = relationship(back_populates="members", foreign_keys=[household_id])
    permanent_ward: Mapped[AdministrativeUnit] = relationship(foreign_keys=[permanent_ward_code])
    temporary_ward: Mapped[AdministrativeUnit | None] = relationship(foreign_keys=[temporary_ward_code])

    __table_args__ = (sa.CheckConstraint("sex IN ('male', 'female')", name="sex"),)

    def age_on(self, on: date) -> int:
        """Completed years on `on` (a birthday counts from its day)."""
        born = self.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class Vehicle(Base):
    """Phương tiện: a registered vehicle and its plate (biển số)."""

    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(sa.String(12), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(12))  # motorbike | car | truck
    brand: Mapped[str] = mapped_column(sa.String(40))
    owner_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    registered_on: Mapped[date]


class DrivingLicence(Base):
    """Giấy phép lái xe: class, number, status and the 12 points of the 2024 Road Traffic Safety Law."""

    __tablename__ = "driving_licences"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(12), unique=True)
    licence_class: Mapped[str] = mapped_column(sa.String(4))
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    issued_on: Mapped[date]
    expires_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(10), default="valid")  # valid | suspended | revoked
    points: Mapped[int] = mapped_column(default=12)
    suspended_until: Mapped[datetime | None]


class HealthInsuranceCard(Base):
    """Thẻ bảo hiểm y tế (BHYT): validity, benefit level and the registered primary-care facility."""

    __tablename__ = "health_insurance_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(sa.String(15), unique=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    benefit_level: Mapped[int]  # 1..5, the digit after the two-letter group code
    primary_care_facility_code: Mapped[str] = mapped_column(sa.String(10))
    primary_care_facility_name: Mapped[str] = mapped_column(sa.String(150))


class IdentityCard(Base):
    """Thẻ căn cước (công dân) gắn chip: one issued chip ID card. The document number is what the chip's DG1
    (MRZ) carries: the last nine digits of the personal ID, so every card of one person shares it (and people of
    different birth provinces may too): the holder and the issue date (on the card and in DG13) tell cards apart."""

    __tablename__ = "identity_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_number: Mapped[str] = mapped_column(sa.String(12))
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    issued_on: Mapped[date]
    expires_on: Mapped[date | None]  # None: issued at 58 or older, never expires
    status: Mapped[str] = mapped_column(sa.String(14), default="valid")
    status_changed_at: Mapped[datetime]
    status_changed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    status_reason: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (
        sa.UniqueConstraint("citizen_id", "issued_on"),
        sa.CheckConstraint("status IN ('valid', 'replaced', 'reported_lost', 'revoked')", name="status"),
    )
