"""A minor's temporary-residence application needs a parent's or guardian's consent (Luật Cư trú 2020 Art. 28
khoản 1 điểm a, read with Civil Code 2015 Art. 21: minors are under 18). The consenting adult is named by the
applicant and must be the minor's parent as the population registry records it (same household: the head or
the head's spouse, the minor a child of the head); the registry fact is the evidence, not the applicant's word.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from backend.errors import ValidationFailed
from backend.registry.models import Citizen
from backend.registry.service import citizen_by_personal_id

ADULT_FROM = 18  # Civil Code 2015 Art. 20-21
HEAD, SPOUSES, CHILD = "chủ hộ", ("vợ", "chồng"), "con"


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"json": {"guardian_personal_id": [message]}})


def is_minor(citizen: Citizen, on: date) -> bool:
    return citizen.age_on(on) < ADULT_FROM


def registered_parent(minor: Citizen, adult: Citizen) -> bool:
    """The registry shows `adult` as `minor`'s parent: same household, the minor a child of the head, the adult
    the head or the head's spouse."""
    if minor.household_id is None or minor.household_id != adult.household_id:
        return False
    if (minor.relation_to_head or "").strip().casefold() != CHILD:
        return False
    relation = (adult.relation_to_head or "").strip().casefold()
    return relation == HEAD or relation in SPOUSES


def guardian_for(session: Session, applicant: Citizen, guardian_pid: str | None, on: date) -> Citizen | None:
    """The parent who must consent before review, or None for an adult applicant."""
    if not is_minor(applicant, on):
        if guardian_pid:
            raise _invalid("Bạn đã đủ 18 tuổi: không cần người đại diện. / You are an adult: leave this out.")
        return None
    if not guardian_pid:
        raise _invalid(
            "Người chưa thành niên cần cha, mẹ hoặc người giám hộ đồng ý (Luật Cư trú Điều 28 "
            "khoản 1 điểm a). / A minor needs a parent's or guardian's consent: name them."
        )
    guardian = citizen_by_personal_id(session, guardian_pid)
    if (
        guardian is None
        or guardian.deceased_on is not None
        or is_minor(guardian, on)
        or not registered_parent(applicant, guardian)
    ):
        # One message whatever failed, so the field cannot be used to probe the registry.
        raise _invalid(
            "Cơ sở dữ liệu dân cư không ghi nhận người này là cha, mẹ của bạn. / The population "
            "registry does not show this person as your parent."
        )
    return guardian


def may_consent(application, principal) -> bool:
    return application.guardian_citizen_id is not None and principal.is_citizen(application.guardian_citizen_id)


def record_consent(application, now: datetime) -> None:
    application.guardian_consent_at = now
