"""backend.database.insert_row: one INSERT, and the object is then what `add` + `flush` would have left - persistent,
every column as stored (defaults included), no pending change, no further statement to read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from backend.consent.models import ConsentReceipt
from backend.database import insert_row
from tests.backend.statements import statements


def test_an_inserted_row_is_persistent_complete_and_read_without_a_statement(app, session, factory):
    citizen = factory.citizen()
    session.flush()
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    receipt = ConsentReceipt(
        public_id="a" * 32,
        citizen_id=citizen.id,
        recipient_code="BV-TEST",
        recipient_name="Bệnh viện thử",
        data_categories="identity,health_insurance",
        purpose="hospital check-in",
        collected_via="kiosk",
        granted_at=now,
        valid_until=now + timedelta(hours=8),
    )
    count = statements(app, lambda: insert_row(session, receipt))
    assert count == 1
    assert sa.inspect(receipt).persistent and not session.dirty and not session.new
    reads = statements(app, lambda: (receipt.id, receipt.revoked_at, receipt.legal_basis, receipt.granted_at))
    assert reads == 0 and receipt.id is not None and receipt.revoked_at is None and receipt.granted_at == now
    receipt.revoked_at = now + timedelta(hours=1)  # tracked like any loaded object
    session.flush()
    session.expire_all()
    stored = session.scalar(sa.select(ConsentReceipt).where(ConsentReceipt.public_id == "a" * 32))
    assert stored is receipt and stored.revoked_at == now + timedelta(hours=1)
