"""Granting, listing and revoking consent receipts. Every recipient's data sharing goes through here, so a
revocation stops the kiosk's queue display and a relying party's refresh and userinfo alike."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.consent.models import ConsentReceipt
from backend.core.access import CITIZEN, Principal
from backend.database import insert_row
from backend.errors import Forbidden, NotFound


def grant(
    *,
    session: Session,
    citizen_id: int,
    recipient_code: str,
    recipient_name: str,
    fields: Sequence[str],
    purpose: str,
    collected_via: str,
    granted_at: datetime,
    valid_until: datetime,
    legal_basis: str | None = None,
) -> ConsentReceipt:
    receipt = ConsentReceipt(
        public_id=uuid.uuid4().hex,
        citizen_id=citizen_id,
        recipient_code=recipient_code,
        recipient_name=recipient_name[:150],
        data_categories=",".join(fields),
        purpose=purpose[:200],
        legal_basis=legal_basis,
        collected_via=collected_via[:64],
        granted_at=granted_at,
        valid_until=valid_until,
    )
    return insert_row(session, receipt)


def list_for_citizen(*, session: Session, principal: Principal) -> list[ConsentReceipt]:
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only citizens have consent receipts.")
    return list(
        session.scalars(
            sa.select(ConsentReceipt)
            .where(ConsentReceipt.citizen_id == principal.citizen_id)
            .order_by(ConsentReceipt.granted_at.desc(), ConsentReceipt.id.desc())
        )
    )


def revoke(*, session: Session, principal: Principal, consent_id: str, now: datetime) -> ConsentReceipt:
    """Stop the sharing from now on; what the recipient already saw stays in the audit trail."""
    receipt = session.scalar(sa.select(ConsentReceipt).where(ConsentReceipt.public_id == consent_id))
    if receipt is None or not principal.is_citizen(receipt.citizen_id):
        raise NotFound("No such consent receipt.")
    if receipt.revoked_at is None:
        receipt.revoked_at = now
        session.flush()
    return receipt
