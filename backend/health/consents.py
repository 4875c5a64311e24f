"""The citizen's side of the consent receipts a check-in records: list them, revoke one for the future."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.consent import service as consent_service
from backend.consent.models import ConsentReceipt
from backend.core import clock
from backend.core.access import Principal


def list_consents(*, session: Session, principal: Principal) -> list[ConsentReceipt]:
    return consent_service.list_for_citizen(session=session, principal=principal)


def revoke_consent(
    *, session: Session, principal: Principal, consent_id: str, now: datetime | None = None
) -> ConsentReceipt:
    """Stop the sharing from now on; what the hospital already saw stays in the audit trail."""
    return consent_service.revoke(session=session, principal=principal, consent_id=consent_id, now=now or clock.now())
