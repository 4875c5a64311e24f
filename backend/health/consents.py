"""The citizen's side of the consent receipts a check-in records: list them, revoke one for the future."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from backend.consent import service as consent_service
from backend.consent.models import ConsentReceipt
from backend.core import clock
from backend.core.access import Principal


@dataclass(frozen=True)
class Consent:
    """A consent receipt as the citizen sees it (ConsentSchema dumps it): its public id, the shared data as a
    list, and whether it is still in force at the moment it was read."""

    receipt: ConsentReceipt
    active: bool

    @classmethod
    def of(cls, receipt: ConsentReceipt, now: datetime) -> Consent:
        return cls(receipt, receipt.revoked_at is None and receipt.valid_until > now)

    @property
    def id(self) -> str:
        return self.receipt.public_id

    @property
    def data_categories(self) -> list[str]:
        return self.receipt.data_categories.split(",")

    def __getattr__(self, name: str):
        return getattr(self.receipt, name)


def list_consents(*, session: Session, principal: Principal) -> list[Consent]:
    now = clock.now()
    return [Consent.of(r, now) for r in consent_service.list_for_citizen(session=session, principal=principal)]


def revoke_consent(*, session: Session, principal: Principal, consent_id: str, now: datetime | None = None) -> Consent:
    """Stop the sharing from now on; what the hospital already saw stays in the audit trail."""
    now = now or clock.now()
    return Consent.of(consent_service.revoke(session=session, principal=principal, consent_id=consent_id, now=now), now)
