"""Who counts as a relative for declaring a death and receiving its allowance: a member of the same household,
or a parent or child by a birth registration. The registry holds no other family links."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.life_events.models import BirthRegistration
from backend.registry.models import Citizen


def is_relative(session: Session, one: Citizen, other: Citizen) -> bool:
    if one.id == other.id:
        return False
    if one.household_id is not None and one.household_id == other.household_id:
        return True
    pair = (one.id, other.id)
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(BirthRegistration)
            .where(
                sa.or_(
                    sa.and_(
                        BirthRegistration.child_citizen_id.in_(pair),
                        sa.or_(
                            BirthRegistration.mother_citizen_id.in_(pair), BirthRegistration.father_citizen_id.in_(pair)
                        ),
                    )
                )
            )
        )
        > 0
    )
