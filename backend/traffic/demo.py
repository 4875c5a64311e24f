"""Demo traffic fines for `make run`: two camera-detected, unpaid penalty decisions on the demo citizen's
motorbike 29B199999 (Nguyễn Văn An), one of them past its payment deadline. Recorded through the service
by the Hà Nội police officer, as a camera operator's review would."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from backend.core.access import Principal
from backend.traffic import service
from shared_schemas.traffic import PenaltyCreateSchema

DEMO_PLATE = "29B199999"

# violation, place, days ago
DEMO_FINES = (
    ("XM-DEN-DO", "Ngã tư Tràng Thi – Phố Huế, phường Hàng Bài", 30),  # deadline passed: overdue
    ("XM-TOC-DO-5-10", "Phố Huế, đoạn trước số 120, phường Hàng Bài", 2),
)


def add_demo_fines(*, session: Session, officer: Principal, now: datetime) -> list[str]:
    """Returns the decision numbers."""
    numbers = []
    for index, (violation, place, days_ago) in enumerate(DEMO_FINES):
        decided = now - timedelta(days=days_ago)
        data = PenaltyCreateSchema().load(
            {
                "violation_code": violation,
                "detected_by": "camera",
                "place": place,
                "ward_code": "00088",
                "occurred_at": (decided - timedelta(hours=3)).isoformat(),
                "plate": DEMO_PLATE,
            }
        )
        decision = service.record_penalty(
            session=session, principal=officer, data=data, idempotency_key=f"demo-fine-{index}", now=decided
        )
        numbers.append(decision.number)
    return numbers
