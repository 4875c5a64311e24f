"""What can be paid for. A domain offers a Payable: it quotes the amount due for a reference (checking the
payer may pay it) and settles it once the money is in. Payments imports the domains lazily, by name."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from backend.core.access import Principal
from backend.documents.authorities import Authority
from backend.documents.pdf import AmountItem
from backend.errors import ValidationFailed


@dataclass(frozen=True)
class ReceiptFacts:
    """What the receipt for a payment shows beyond the payment itself: its document type, the authority that
    collects (the one that decided the fine, the one that charges the fee), and the parts of the amount."""

    doc_type: str
    authority: Authority
    items: tuple[AmountItem, ...]


@dataclass(frozen=True)
class Quote:
    citizen_id: int  # whose obligation it is; the receipt is issued to them
    amount: int  # đồng, as due on the quote's day
    description_vi: str
    description_en: str


class Payable(Protocol):
    def quote(self, *, session: Session, principal: Principal, reference: str, on: date) -> Quote:
        """The amount due on `on`; raises NotFound / Conflict when it cannot be paid."""

    def settle(self, *, session: Session, reference: str, amount: int, paid_at: datetime) -> bool:
        """Mark it paid with a conditional UPDATE; False when it was no longer payable (paid, cancelled)."""

    def receipt_facts(self, *, session: Session, reference: str, amount: int, paid_at: datetime) -> ReceiptFacts:
        """The receipt's issuer and breakdown for a settled payment; the items add up to `amount`."""


PAYABLES = {
    "traffic-fine": "backend.traffic.payable:TrafficFine",
    "judicial-fee": "backend.judicial.payable:CertificateFee",
}


def payable(kind: str) -> Payable:
    if kind not in PAYABLES:
        raise ValidationFailed(
            f"Nothing called {kind!r} can be paid here.",
            errors={"json": {"purpose": [f"One of {', '.join(PAYABLES)}."]}},
        )
    module, name = PAYABLES[kind].split(":")
    return getattr(importlib.import_module(module), name)()
