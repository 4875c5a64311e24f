"""Traffic fines as something payments can collect: the amount due today (fine + surcharge), settled once,
and receipted by the police unit that decided the fine."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import clock
from backend.core.access import Principal
from backend.documents import authorities
from backend.documents.pdf import AmountItem
from backend.errors import NotFound
from backend.payments.payables import Quote, ReceiptFacts
from backend.traffic import catalogue, service
from backend.traffic.models import PenaltyDecision


class TrafficFine:
    def quote(self, *, session: Session, principal: Principal, reference: str, on: date) -> Quote:
        try:
            decision = service.get_decision(session=session, principal=principal, number=reference)
        except NotFound:
            raise NotFound("No such penalty decision among your fines.") from None
        if decision.status != "unpaid":
            raise service.DecisionNotPayable(
                f"This penalty decision is already {decision.status}.", decision_status=decision.status
            )
        due = service.amount_due(decision, on)
        violation = catalogue.find(decision.violation_code)
        return Quote(
            citizen_id=principal.citizen_id,
            amount=due.total,
            description_vi=f"Nộp phạt quyết định {decision.number}: {violation.description_vi}",
            description_en=f"Fine, decision {decision.number}: {violation.description_en}",
        )

    def settle(self, *, session: Session, reference: str, amount: int, paid_at: datetime) -> bool:
        decision = session.scalar(sa.select(PenaltyDecision).where(PenaltyDecision.number == reference))
        # The amount must still be what is due on the day it was paid: a payment never under-pays surcharge.
        if decision is None or service.amount_due(decision, clock.local_date(paid_at)).total != amount:
            return False
        return bool(
            session.execute(
                sa.update(PenaltyDecision)
                .where(PenaltyDecision.id == decision.id, PenaltyDecision.status == "unpaid")
                .values(status="paid", paid_at=paid_at, paid_amount=amount)
            ).rowcount
        )

    def receipt_facts(self, *, session: Session, reference: str, amount: int, paid_at: datetime) -> ReceiptFacts:
        decision = session.scalar(sa.select(PenaltyDecision).where(PenaltyDecision.number == reference))
        due = service.amount_due(decision, clock.local_date(paid_at))
        return ReceiptFacts(
            doc_type="traffic-fine-receipt",
            authority=authorities.resolve(authorities.TRAFFIC_POLICE, decision.ward_code),
            items=(
                AmountItem(
                    f"Tiền phạt theo quyết định số {decision.number}",
                    f"Fine under decision {decision.number}",
                    due.fine,
                ),
                AmountItem(
                    f"Tiền chậm nộp phạt ({due.days_late} ngày × 0,05%)",
                    f"Late-payment surcharge ({due.days_late} days × 0.05%)",
                    due.surcharge,
                ),
            ),
        )
