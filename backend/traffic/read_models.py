"""What the traffic API shows of a penalty decision (PenaltySchema): the decision, the catalogue's wording of
its violation, and what is due on the day asked while it is unpaid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from backend.traffic import catalogue
from backend.traffic.models import PenaltyDecision
from backend.traffic.service import AmountDue, amount_due


@dataclass(frozen=True)
class Penalty:
    decision: PenaltyDecision | sa.Row
    violation: catalogue.Violation
    amount_due: AmountDue | None

    @property
    def description_vi(self) -> str:
        return self.violation.description_vi

    @property
    def description_en(self) -> str:
        return self.violation.description_en

    @property
    def legal_basis(self) -> str:
        return self.violation.legal_basis

    def __getattr__(self, name: str):  # number, violation_code, place, plate, fine, points, dates, status
        return getattr(self.decision, name)


def penalty(decision: PenaltyDecision | sa.Row, on: date) -> Penalty:
    """`decision`: the ORM object, or a row of the columns shown (backend/traffic/service.py: `list_own`)."""
    due = amount_due(decision, on) if decision.status == "unpaid" else None
    return Penalty(decision, catalogue.find(decision.violation_code), due)
