"""Gateway callbacks: forged, tampered, stale, replayed and mismatched callbacks are refused and change
nothing; out-of-order results never undo a payment; money for an already-paid fine is owed back, not
posted twice."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from backend.payments import gateway as gateways
from backend.payments.models import PaymentCallbackNonce, PaymentIntent, PaymentPosting
from backend.registry.models import Vehicle
from backend.traffic.models import PenaltyDecision
from tests.backend.payments.support import Clock, at, callback, deliver, open_intent, simulated_gateway

NOW = at(2026, 11, 2, 10)


@pytest.fixture()
def fine(app, monkeypatch, client, factory, auth_headers, session):
    """An unpaid 19,000,000 đồng fine on the citizen's car, and the citizen's headers."""
    monkeypatch.setitem(app.config, "CLOCK", Clock(NOW))
    owner = factory.citizen(full_name="Đỗ Văn Trả")
    session.add(
        Vehicle(
            plate="30A54321",
            kind="car",
            brand="Kia",
            owner_citizen_id=owner.id,
            registered_on=date(2021, 1, 1),
        )
    )
    session.flush()
    officer = auth_headers(factory.staff("officer", "00088"))
    created = client.post(
        "/api/v1/traffic/penalties",
        headers={**officer, "Idempotency-Key": "decision-cb-1"},
        json={
            "violation_code": "OTO-DEN-DO",
            "occurred_at": "2026-11-01T08:00:00+07:00",
            "detected_by": "camera",
            "place": "Phố Huế",
            "ward_code": "00088",
            "plate": "30A54321",
        },
    )
    assert created.status_code == 201, created.json
    return created.json["number"], auth_headers(factory.account(owner, level=1))


def _state(session, number):
    session.expire_all()
    return (
        session.scalar(sa.select(PenaltyDecision.status).where(PenaltyDecision.number == number)),
        session.scalar(sa.select(sa.func.count()).select_from(PaymentPosting)),
        session.scalar(sa.select(sa.func.count()).select_from(PaymentCallbackNonce)),
    )


def _intent(client, headers, number, key="cb-key-0001"):
    response = open_intent(client, headers, "traffic-fine", number, 19_000_000, key=key)
    assert response.status_code == 201, response.json
    return response.json


def _forged(signed):
    return gateways.SignedCallback(
        headers={
            **signed.headers,
            gateways.SIGNATURE_HEADER: gateways.signature(
                b"k" * 32,
                signed.headers[gateways.TIMESTAMP_HEADER],
                signed.headers[gateways.NONCE_HEADER],
                signed.body,
            ),
        },
        body=signed.body,
    )


@pytest.mark.parametrize(
    ("tamper", "status", "code"),
    [
        (_forged, 401, "callback-signature-invalid"),
        (
            lambda s: gateways.SignedCallback(s.headers, {**s.body, "amount": 1}),
            401,
            "callback-signature-invalid",
        ),
        (
            lambda s: gateways.SignedCallback(
                {k: v for k, v in s.headers.items() if k != gateways.SIGNATURE_HEADER}, s.body
            ),
            401,
            "callback-signature-invalid",
        ),
        (
            lambda s: gateways.SignedCallback({**s.headers, gateways.NONCE_HEADER: "0" * 32}, s.body),
            401,
            "callback-signature-invalid",
        ),
        (lambda s: gateways.SignedCallback(s.headers, {**s.body, "extra": "x"}), 422, "validation-failed"),
    ],
)
def test_forged_or_tampered_callbacks_are_refused(client, app, session, fine, tamper, status, code):
    number, headers = fine
    intent = _intent(client, headers, number)
    before = _state(session, number)
    response = deliver(client, tamper(callback(app, intent, NOW)))
    assert response.status_code == status and response.json["code"] == code
    assert response.content_type == "application/problem+json"
    assert _state(session, number) == before == ("unpaid", 0, 0)


def test_stale_and_future_callbacks_are_refused(client, app, session, fine):
    number, headers = fine
    intent = _intent(client, headers, number)
    for sent in (at(2026, 11, 2, 9, 54), at(2026, 11, 2, 10, 6)):
        response = deliver(client, callback(app, intent, sent))
        assert response.status_code == 401 and response.json["code"] == "callback-stale"
    posted = deliver(client, callback(app, intent, at(2026, 11, 2, 10, 4)))
    assert posted.json.get("result") == "posted", posted.json


def test_a_callback_with_another_amount_posts_nothing(client, app, session, fine):
    number, headers = fine
    intent = _intent(client, headers, number)
    signed = simulated_gateway(app).callback(intent_public_id=intent["id"], amount=18_000_000, now=NOW)
    response = deliver(client, signed)
    assert response.status_code == 422 and response.json["code"] == "amount-mismatch"
    assert _state(session, number) == ("unpaid", 0, 0)
    unknown = simulated_gateway(app).callback(intent_public_id="f" * 32, amount=19_000_000, now=NOW)
    assert deliver(client, unknown).status_code == 404


def test_failure_then_success_posts_and_a_late_failure_changes_nothing(client, app, session, fine):
    number, headers = fine
    intent = _intent(client, headers, number)
    assert deliver(client, callback(app, intent, NOW, outcome="failed")).json["result"] == "failed"
    assert deliver(client, callback(app, intent, NOW)).json["result"] == "posted"
    assert deliver(client, callback(app, intent, NOW, outcome="failed")).json["result"] == "ignored"
    assert _state(session, number)[:2] == ("paid", 1)


def test_money_for_an_already_paid_fine_is_owed_back_not_posted(client, app, session, fine):
    number, headers = fine
    first, second = _intent(client, headers, number), _intent(client, headers, number, key="cb-key-0002")
    assert first["id"] != second["id"]
    assert deliver(client, callback(app, first, NOW)).json["result"] == "posted"
    assert deliver(client, callback(app, second, NOW)).json["result"] == "refund-due"
    assert _state(session, number)[:2] == ("paid", 1)
    refund = session.scalar(sa.select(PaymentIntent).where(PaymentIntent.public_id == second["id"]))
    assert (refund.status, refund.refund_reason) == ("refund_due", "no-longer-payable")


def test_intent_input_errors(client, fine):
    number, headers = fine
    cases = [
        ({"purpose": "traffic-fine", "reference": number, "amount": 19_000_000}, {}, 422),  # no key
        (
            {"purpose": "parking", "reference": number, "amount": 19_000_000},
            {"Idempotency-Key": "k" * 10},
            422,
        ),
        (
            {"purpose": "traffic-fine", "reference": number, "amount": 19_000_000.5},
            {"Idempotency-Key": "k" * 10},
            422,
        ),
        ({"purpose": "traffic-fine", "reference": number, "amount": -5}, {"Idempotency-Key": "k" * 10}, 422),
        (
            {"purpose": "traffic-fine", "reference": "XP000", "amount": 19_000_000},
            {"Idempotency-Key": "k" * 10},
            404,
        ),
    ]
    for body, extra, status in cases:
        response = client.post("/api/v1/payments/intents", json=body, headers={**headers, **extra})
        assert response.status_code == status, (body, response.json)
        assert response.content_type == "application/problem+json"
    _intent(client, headers, number, key="same-key-1")
    reused = client.post(
        "/api/v1/payments/intents",
        json={"purpose": "judicial-fee", "reference": number, "amount": 19_000_000},
        headers={**headers, "Idempotency-Key": "same-key-1"},
    )
    assert reused.status_code == 409 and reused.json["code"] == "idempotency-key-reused"
