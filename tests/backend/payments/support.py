"""Helpers for tests that pay: a settable clock, opening an intent through the API, and the simulated
gateway's signed callbacks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from backend.payments import gateway as gateways

ICT = timezone(timedelta(hours=7))


class Clock:
    """The app's CLOCK: tests move it instead of relying on today."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment


def at(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ICT)


def open_intent(client, headers, purpose, reference, amount, key="pay-key-0001"):
    return client.post(
        "/api/v1/payments/intents",
        json={"purpose": purpose, "reference": reference, "amount": amount},
        headers={**headers, "Idempotency-Key": key},
    )


def simulated_gateway(app) -> gateways.SimulatedGateway:
    with app.app_context():
        return gateways.gateway("simulated")


def callback(app, intent: dict, now: datetime, **kwargs) -> gateways.SignedCallback:
    return simulated_gateway(app).callback(intent_public_id=intent["id"], amount=intent["amount"], now=now, **kwargs)


def deliver(client, signed: gateways.SignedCallback):
    return client.post("/api/v1/payments/callbacks/simulated", json=signed.body, headers=signed.headers)
