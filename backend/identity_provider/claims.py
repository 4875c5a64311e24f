"""Scopes a relying party may be registered for, the named registry fields each one releases (what the consent
page lists, word for word), and reading those fields for one citizen. A scope not listed here cannot be
registered, so a service cannot ask for data it did not declare."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.registry.models import Citizen, DrivingLicence, HealthInsuranceCard


@dataclass(frozen=True)
class Field:
    name: str
    label_vi: str
    label_en: str


FIELDS = {
    f.name: f
    for f in (
        Field("personal_id", "Số định danh cá nhân", "Personal ID number"),
        Field("full_name", "Họ, chữ đệm và tên", "Full name"),
        Field("date_of_birth", "Ngày, tháng, năm sinh", "Date of birth"),
        Field("sex", "Giới tính", "Sex"),
        Field("nationality", "Quốc tịch", "Nationality"),
        Field("permanent_address", "Nơi thường trú", "Permanent residence"),
        Field("temporary_address", "Nơi tạm trú", "Temporary residence"),
        Field("household_number", "Số sổ hộ khẩu (mã hộ)", "Household number"),
        Field("relation_to_head", "Quan hệ với chủ hộ", "Relation to the head of household"),
        Field("health_insurance_number", "Mã thẻ bảo hiểm y tế", "Health insurance card number"),
        Field("health_insurance_valid_to", "Hạn thẻ bảo hiểm y tế", "Health insurance valid until"),
        Field("driving_licences", "Giấy phép lái xe (số, hạng, hiệu lực)", "Driving licences (number, class, status)"),
        Field("ekyc_result", "Kết quả đối chiếu thẻ căn cước gắn chip", "Chip ID card match result"),
    )
}

# "openid" releases only the pairwise subject identifier.
SCOPES: dict[str, tuple[str, ...]] = {
    "openid": (),
    "identity": ("personal_id", "full_name", "date_of_birth", "sex", "nationality"),
    "address": ("permanent_address", "temporary_address"),
    "household": ("household_number", "relation_to_head"),
    "insurance": ("health_insurance_number", "health_insurance_valid_to"),
    "driving_licence": ("driving_licences",),
    "ekyc": ("ekyc_result",),
}
# Fields released by eKYC only (per evidence submission), never by userinfo.
_NOT_IN_USERINFO = {"ekyc_result"}


def fields_for(scope: str) -> list[str]:
    names: list[str] = []
    for name in scope.split():
        for field in SCOPES.get(name, ()):
            if field not in names:
                names.append(field)
    return names


def labelled(field_names: list[str]) -> list[Field]:
    return [FIELDS[name] for name in field_names if name in FIELDS]


def _address(street: str | None, ward) -> str | None:
    if not street or ward is None:
        return None
    return f"{street}, {ward.name}"


def read(*, session: Session, citizen: Citizen, field_names: list[str], on) -> dict:
    """The values of these fields for one citizen, as OIDC claims (absent values are left out)."""
    values: dict = {}
    wanted = [name for name in field_names if name not in _NOT_IN_USERINFO]
    simple = {
        "personal_id": citizen.personal_id,
        "full_name": citizen.full_name,
        "date_of_birth": citizen.date_of_birth.isoformat(),
        "sex": citizen.sex,
        "nationality": citizen.nationality,
        "permanent_address": _address(citizen.permanent_street, citizen.permanent_ward),
        "temporary_address": _address(citizen.temporary_street, citizen.temporary_ward)
        if citizen.temporary_until is None or citizen.temporary_until >= on
        else None,
        "household_number": citizen.household.household_number if citizen.household else None,
        "relation_to_head": citizen.relation_to_head,
    }
    for name in wanted:
        if name in simple:
            values[name] = simple[name]
    if {"health_insurance_number", "health_insurance_valid_to"} & set(wanted):
        card = session.scalar(
            sa.select(HealthInsuranceCard)
            .where(HealthInsuranceCard.citizen_id == citizen.id, HealthInsuranceCard.valid_to >= on)
            .order_by(HealthInsuranceCard.valid_to.desc())
            .limit(1)
        )
        if card is not None:
            values["health_insurance_number"] = card.card_number
            values["health_insurance_valid_to"] = card.valid_to.isoformat()
    if "driving_licences" in wanted:
        licences = session.scalars(
            sa.select(DrivingLicence).where(DrivingLicence.citizen_id == citizen.id).order_by(DrivingLicence.number)
        )
        values["driving_licences"] = [
            {"number": lic.number, "class": lic.licence_class, "status": lic.status} for lic in licences
        ]
    return {name: value for name, value in values.items() if value is not None and name in wanted}
