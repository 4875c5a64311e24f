"""Lookups every fleet module needs: the admin check, a kiosk by id, a hospital by code (asked of health)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.access import FLEET_ADMIN, Principal
from backend.errors import Forbidden, NotFound, ValidationFailed
from backend.fleet.models import Kiosk
from backend.health import hospitals as health_hospitals
from backend.health.models import Hospital


def require_admin(principal: Principal) -> None:
    if principal.role != FLEET_ADMIN:
        raise Forbidden("Only fleet administrators manage kiosks.")


def get_hospital(session: Session, code: str) -> Hospital:
    """The hospital (asked of the health domain); an unknown code is the caller's input error."""
    try:
        return health_hospitals.get_hospital(session, code)
    except NotFound:
        raise ValidationFailed(
            f"No hospital with code {code!r}.", errors={"json": {"hospital_code": ["Unknown hospital."]}}
        ) from None


def get_kiosk(session: Session, kiosk_id: str) -> Kiosk:
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFound(f"No kiosk {kiosk_id!r}.")
    return kiosk


def hospital_names(session: Session) -> dict[str, str]:
    return dict(session.execute(sa.select(Hospital.code, Hospital.name)).all())
