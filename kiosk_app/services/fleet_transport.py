"""How the fleet agent reaches the backend: the agent's errors, the transport primitive (one call: method,
path, body, headers -> status, JSON) with its `requests` implementation, and the channel that signs each
request with the device key (timestamp + nonce + body hash) and follows the server's clock when ours is off."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any, Protocol

from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_encode


class FleetAgentError(Exception):
    """Base of the agent's errors."""


class AgentUnavailable(FleetAgentError):
    """The backend could not be reached; try again at the next interval."""


class AgentRefused(FleetAgentError):
    def __init__(self, status: int, problem: dict) -> None:
        super().__init__(problem.get("detail") or f"HTTP {status}")
        self.status, self.problem = status, problem


class NotEnrolled(FleetAgentError):
    """The kiosk has no identity yet: enroll it with a code first."""


class Transport(Protocol):
    def __call__(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]: ...


class RequestsTransport:
    """HTTP with `requests` (a dependency of the kiosk app)."""

    def __init__(self, base_url: str, *, timeout_s: float = 5.0) -> None:
        import requests

        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s
        self.http = requests.Session()
        self._errors = requests.RequestException

    def __call__(self, method, path, body, headers):
        try:
            response = self.http.request(
                method, self.base_url + path, data=body, headers=headers, timeout=self.timeout_s
            )
        except self._errors as exc:
            raise AgentUnavailable(str(exc)) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        return response.status_code, payload


class SignedChannel:
    """JSON requests to the fleet API, signed in the kiosk's name. `transport` and `clock` are looked up on
    every call (callables), so the agent can swap either after start-up (tests set a wrong clock)."""

    def __init__(self, identity, *, transport: Callable[[], Transport], clock: Callable[[], float]) -> None:
        self.identity, self._transport, self._clock = identity, transport, clock
        self.clock_offset = 0.0

    def signed_headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        kiosk_id = self.identity.kiosk_id
        timestamp = int(self._clock() + self.clock_offset)
        nonce = secrets.token_urlsafe(18)
        message = contract.request_signing_input(
            method=method, path=path, kiosk_id=kiosk_id, timestamp=timestamp, nonce=nonce, body=body
        )
        return {
            contract.HEADER_KIOSK: kiosk_id,
            contract.HEADER_TIMESTAMP: str(timestamp),
            contract.HEADER_NONCE: nonce,
            contract.HEADER_SIGNATURE: b64url_encode(self.identity.sign(message)),
        }

    def call(self, method: str, path: str, payload: dict, *, signed: bool = True) -> dict:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        for attempt in range(2):
            headers = {"Content-Type": "application/json"}
            if signed:
                headers.update(self.signed_headers(method, path, body))
            status, reply = self._transport()(method, path, body, headers)
            if status in (502, 503, 504):
                raise AgentUnavailable(f"HTTP {status}")
            if status == 401 and isinstance(reply, dict) and reply.get("code") == "stale-request" and attempt == 0:
                # Our clock is off: sign with the server's time (the nonce is fresh, so this is no replay).
                self.clock_offset = float(reply.get("server_time", self._clock())) - self._clock()
                continue
            if status >= 400:
                raise AgentRefused(status, reply if isinstance(reply, dict) else {})
            return reply
        raise AssertionError("unreachable")
