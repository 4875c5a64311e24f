"""Certificate fees as something payments can collect: quoted to the requester, settled once."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.access import Principal
from backend.documents.pdf import AmountItem
from backend.judicial import service
from backend.judicial.certificate import issuing_authority
from backend.judicial.models import CertificateRequest
from backend.payments.payables import Quote, ReceiptFacts
from backend.registry.models import Citizen


class CertificateFee:
    def quote(self, *, session: Session, principal: Principal, reference: str, on: date) -> Quote:
        request = service.get_request(session=session, principal=principal, number=reference)
        if request.status != "awaiting_payment":
            raise service.RequestNotPayable(
                "This certificate request has no fee outstanding.", request_status=request.status
            )
        return Quote(
            citizen_id=request.subject_citizen_id,
            amount=request.fee_amount,
            description_vi=f"Phí cấp Phiếu lý lịch tư pháp số {request.certificate_type}, yêu cầu "
            f"{request.number} ({request.copies} bản)",
            description_en=f"Criminal record certificate No. {request.certificate_type} fee, request "
            f"{request.number} ({request.copies} copies)",
        )

    def settle(self, *, session: Session, reference: str, amount: int, paid_at: datetime) -> bool:
        return service.mark_paid(session=session, number=reference, amount=amount, paid_at=paid_at)

    def receipt_facts(self, *, session: Session, reference: str, amount: int, paid_at: datetime) -> ReceiptFacts:
        request = session.scalar(sa.select(CertificateRequest).where(CertificateRequest.number == reference))
        subject = session.get(Citizen, request.subject_citizen_id)
        return ReceiptFacts(
            doc_type="judicial-fee-receipt",
            authority=issuing_authority(subject),
            items=(
                AmountItem(
                    f"Phí cấp Phiếu lý lịch tư pháp số {request.certificate_type} ({request.copies} bản)",
                    f"Criminal record certificate fee ({request.copies} copies)",
                    amount,
                ),
            ),
        )
