"""The payment-gateway adapter: what the service needs from a bank or e-wallet, and a simulated gateway.

A gateway calls us back with the result. Callbacks are signed with HMAC-SHA256 over
"<timestamp>.<nonce>.<canonical JSON of the fields>", so a forged body, a stale one or the same message sent
twice (a replay: same nonce) is refused. A genuine re-delivery is signed afresh (new timestamp and nonce).
"""

from __future__ import annotations

import abc
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from backend.errors import DomainError

TIMESTAMP_HEADER = "X-Congdan-Timestamp"
NONCE_HEADER = "X-Congdan-Nonce"
SIGNATURE_HEADER = "X-Congdan-Signature"
CALLBACK_FIELDS = ("intent_id", "gateway_transaction_id", "outcome", "amount", "currency", "paid_at")
MAX_CLOCK_SKEW = timedelta(minutes=5)


class CallbackRefused(DomainError):
    status, code, title = 401, "callback-signature-invalid", "The payment callback is not authentic"


class CallbackStale(CallbackRefused):
    code, title = "callback-stale", "The payment callback is too old or from the future"


@dataclass(frozen=True)
class Checkout:
    """Where the citizen is sent to pay."""

    url: str


@dataclass(frozen=True)
class SignedCallback:
    headers: dict[str, str]
    body: dict


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(secret: bytes, timestamp: str, nonce: str, fields: dict) -> str:
    message = f"{timestamp}.{nonce}.".encode("ascii") + canonical(fields)
    return "sha256=" + hmac.new(secret, message, hashlib.sha256).hexdigest()


class PaymentGateway(abc.ABC):
    name: str

    @abc.abstractmethod
    def start_checkout(self, *, intent_public_id: str, amount: int, description: str) -> Checkout:
        """Open a checkout at the gateway for this intent."""

    @abc.abstractmethod
    def verify_callback(self, *, headers: dict[str, str], fields: dict, now: datetime) -> str:
        """Check the callback is authentic and fresh; return its nonce (the caller refuses a seen one)."""


class HmacGateway(PaymentGateway):
    """Gateways that sign callbacks with a shared secret (the common case for Vietnamese banks/e-wallets)."""

    def __init__(self, secret: bytes):
        if len(secret) < 32:
            raise ValueError("the gateway secret must be at least 32 bytes")
        self.secret = secret

    def verify_callback(self, *, headers: dict[str, str], fields: dict, now: datetime) -> str:
        timestamp, nonce, given = (
            headers.get(TIMESTAMP_HEADER),
            headers.get(NONCE_HEADER),
            headers.get(SIGNATURE_HEADER),
        )
        if not (timestamp and nonce and given) or not timestamp.isdigit() or not 16 <= len(nonce) <= 64:
            raise CallbackRefused("The callback lacks a valid timestamp, nonce or signature.")
        expected = signature(self.secret, timestamp, nonce, fields)
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise CallbackRefused("The callback signature does not match.")
        sent_at = datetime.fromtimestamp(int(timestamp), now.tzinfo)
        if abs(now - sent_at) > MAX_CLOCK_SKEW:
            raise CallbackStale("The callback was signed too long ago (or in the future); it is not accepted.")
        return nonce


class SimulatedGateway(HmacGateway):
    """Stands in for a bank in development and tests: its checkout page is ours, and `callback` produces the
    signed message the real gateway would post after the citizen paid (or gave up)."""

    name = "simulated"

    def start_checkout(self, *, intent_public_id: str, amount: int, description: str) -> Checkout:
        return Checkout(url=f"https://pay.simulated.invalid/checkout/{intent_public_id}")

    def callback(
        self,
        *,
        intent_public_id: str,
        amount: int,
        now: datetime,
        outcome: str = "succeeded",
        transaction_id: str | None = None,
        paid_at: datetime | None = None,
    ) -> SignedCallback:
        fields = {
            "intent_id": intent_public_id,
            "gateway_transaction_id": transaction_id or uuid.uuid4().hex,
            "outcome": outcome,
            "amount": amount,
            "currency": "VND",
            "paid_at": (paid_at or now).isoformat(),
        }
        return self.resign(fields, now=now)

    def resign(self, fields: dict, *, now: datetime) -> SignedCallback:
        """A re-delivery of the same result: same fields, fresh timestamp and nonce."""
        timestamp, nonce = str(int(now.timestamp())), secrets.token_hex(16)
        headers = {
            TIMESTAMP_HEADER: timestamp,
            NONCE_HEADER: nonce,
            SIGNATURE_HEADER: signature(self.secret, timestamp, nonce, fields),
        }
        return SignedCallback(headers=headers, body=dict(fields))


_GATEWAYS = {"simulated": SimulatedGateway}


def gateway(name: str | None = None) -> PaymentGateway:
    """The configured gateway (PAYMENT_GATEWAY, PAYMENT_GATEWAY_SECRET)."""
    name = name or current_app.config.get("PAYMENT_GATEWAY", "simulated")
    if name not in _GATEWAYS:
        raise LookupError(f"no payment gateway called {name!r}")
    if name == "simulated" and current_app.config.get("ENV_NAME") == "production":
        raise LookupError("the simulated payment gateway never runs in production")
    # Its own secret (configured, or generated into the instance's secrets folder), never derived from another.
    return _GATEWAYS[name](current_app.config["PAYMENT_GATEWAY_SECRET"].encode("utf-8"))
