"""Inbox API and the push outbox with retry/backoff."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.database import utcnow
from backend.notifications.models import OutboxMessage
from backend.notifications.push import LoggingPushAdapter, PushAdapter, PushDeliveryError
from backend.notifications.service import MAX_ATTEMPTS, backoff, deliver_pending, notify
from tests.backend.helpers import bearer, login


class FlakyAdapter(PushAdapter):
    def __init__(self, failures: int):
        self.failures, self.sent = failures, []

    def send(self, message):
        if self.failures:
            self.failures -= 1
            raise PushDeliveryError("push service unavailable")
        self.sent.append(message)


def test_inbox_list_and_mark_read(client, factory, session):
    citizen, other = factory.citizen(), factory.citizen(full_name="Bùi Thị Lan", sex="female")
    first = notify(
        session=session, citizen_id=citizen.id, kind="application-received", title="Đã nhận hồ sơ", body="Hồ sơ #1"
    )
    notify(session=session, citizen_id=citizen.id, kind="document-issued", title="Văn bản đã cấp", body="...")
    theirs = notify(
        session=session, citizen_id=other.id, kind="document-issued", title="Không phải của bạn", body="..."
    )
    headers = bearer(login(client, factory.account(citizen).username)["access_token"])
    inbox = client.get("/api/v1/notifications", headers=headers).json
    assert (inbox["total"], inbox["unread"]) == (2, 2)
    assert [n["kind"] for n in inbox["items"]] == ["document-issued", "application-received"]
    read = client.post(f"/api/v1/notifications/{first.id}/read", headers=headers)
    assert read.status_code == 200 and read.json["read_at"]
    assert client.post(f"/api/v1/notifications/{first.id}/read", headers=headers).status_code == 200
    unread = client.get("/api/v1/notifications?unread_only=true", headers=headers).json
    assert (unread["total"], unread["unread"]) == (1, 1)
    assert client.post(f"/api/v1/notifications/{theirs.id}/read", headers=headers).status_code == 404
    assert client.post("/api/v1/notifications/999999/read", headers=headers).status_code == 404
    assert client.get("/api/v1/notifications?per_page=1000", headers=headers).status_code == 422


def test_outbox_retries_with_backoff_then_sends(session, factory):
    citizen = factory.citizen()
    notify(session=session, citizen_id=citizen.id, kind="application-approved", title="Đã duyệt", body="...")
    adapter, now = FlakyAdapter(failures=2), utcnow()
    assert deliver_pending(session=session, adapter=adapter, now=now)["retry"] == 1
    message = session.scalars(sa.select(OutboxMessage)).one()
    assert message.next_attempt_at == now + timedelta(seconds=30)
    assert deliver_pending(session=session, adapter=adapter, now=now + timedelta(seconds=10)) == {
        "sent": 0,
        "retry": 0,
        "failed": 0,
    }  # not due yet
    deliver_pending(session=session, adapter=adapter, now=now + timedelta(seconds=30))
    assert message.next_attempt_at == now + timedelta(seconds=90)
    assert deliver_pending(session=session, adapter=adapter, now=now + timedelta(minutes=2))["sent"] == 1
    assert (message.status, message.attempts, len(adapter.sent)) == ("sent", 3, 1)
    assert deliver_pending(session=session, adapter=adapter, now=now + timedelta(hours=1))["sent"] == 0


def test_outbox_gives_up_after_max_attempts(session, factory):
    citizen = factory.citizen()
    notify(session=session, citizen_id=citizen.id, kind="application-approved", title="Đã duyệt", body="...")
    adapter, now = FlakyAdapter(failures=100), utcnow()
    for _attempt in range(MAX_ATTEMPTS):
        now += timedelta(hours=2)
        deliver_pending(session=session, adapter=adapter, now=now)
    message = session.scalars(sa.select(OutboxMessage)).one()
    assert (message.status, message.attempts, message.last_error) == (
        "failed",
        MAX_ATTEMPTS,
        "push service unavailable",
    )
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(20) == timedelta(hours=1)


def test_logging_adapter(session, factory, caplog):
    citizen = factory.citizen()
    notify(session=session, citizen_id=citizen.id, kind="document-issued", title="Văn bản đã cấp", body="...")
    with caplog.at_level("INFO", logger="backend.notifications.push"):
        assert deliver_pending(session=session, adapter=LoggingPushAdapter())["sent"] == 1
    assert "Văn bản đã cấp" in caplog.text
