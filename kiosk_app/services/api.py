"""The backend client: kiosk login, chip challenges, check-in and tickets, the department list and the JWKS.
Network trouble is ApiUnavailable (the kiosk goes offline); a refusal is ApiRefused with the problem
detail."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import requests

log = logging.getLogger(__name__)


class ApiUnavailable(Exception):
    """The backend could not be reached (or answered 502/503/504)."""


class ApiRefused(Exception):
    """The backend answered with a problem (4xx / 500)."""

    def __init__(self, status: int, problem: dict) -> None:
        super().__init__(problem.get("detail") or f"HTTP {status}")
        self.status = status
        self.problem = problem


class ApiClient:
    """Logs in with the kiosk account's username and password or, on an enrolled kiosk, takes its access
    tokens from `token_source` (the fleet agent signing a challenge with the device key)."""

    def __init__(
        self,
        base_url: str,
        username: str | None = None,
        password: str | None = None,
        *,
        timeout_s: float = 5.0,
        session: requests.Session | None = None,
        token_source: Callable[[], str] | None = None,
    ) -> None:
        if token_source is None and not (username and password):
            raise ValueError("give the kiosk account's username and password, or a token source")
        self.base_url = base_url.rstrip("/")
        self.username, self._password = username, password
        self.token_source = token_source
        self.timeout_s = timeout_s
        self.http = session or requests.Session()
        self._token: str | None = None
        self._lock = threading.Lock()  # workers share one client

    # --- plumbing -------------------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, json=None, headers=None, auth=True) -> requests.Response:
        all_headers = dict(headers or {})
        if auth:
            all_headers["Authorization"] = f"Bearer {self._access_token()}"
        try:
            response = self.http.request(
                method, self.base_url + path, json=json, headers=all_headers, timeout=self.timeout_s
            )
        except requests.RequestException as exc:
            raise ApiUnavailable(str(exc)) from exc
        if response.status_code in (502, 503, 504):
            raise ApiUnavailable(f"HTTP {response.status_code}")
        return response

    def _call(self, method: str, path: str, **kwargs) -> tuple[int, dict | list]:
        response = self._send(method, path, **kwargs)
        if response.status_code == 401 and kwargs.get("auth", True):
            with self._lock:
                self._token = None  # expired or revoked: log in once more, then give up
            response = self._send(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            raise ApiRefused(response.status_code, body if isinstance(body, dict) else {})
        return response.status_code, body

    def _access_token(self) -> str:
        with self._lock:
            if self._token is None:
                if self.token_source is not None:
                    self._token = self.token_source()
                else:
                    status, body = self._call_login()
                    self._token = body["access_token"]
            return self._token

    def _call_login(self) -> tuple[int, dict]:
        response = self._send(
            "POST", "/api/v1/auth/login", json={"username": self.username, "password": self._password}, auth=False
        )
        if response.status_code != 200:
            raise ApiRefused(response.status_code, response.json() if response.content else {})
        return response.status_code, response.json()

    # --- endpoints ------------------------------------------------------------------------------------
    def kiosk_profile(self) -> dict:
        return self._call("GET", "/api/v1/health/kiosks/me")[1]

    def departments(self, hospital_code: str) -> list[dict]:
        return self._call("GET", f"/api/v1/health/hospitals/{hospital_code}/departments", auth=False)[1]

    def jwks(self) -> dict:
        return self._call("GET", "/.well-known/jwks.json", auth=False)[1]

    def chip_challenge(self) -> dict:
        """A single-use challenge for the chip's Active Authentication (the backend verifies the answer)."""
        return self._call("POST", "/api/v1/identification/challenges")[1]

    def check_in(self, payload: dict, *, idempotency_key: str) -> dict:
        return self._call(
            "POST", "/api/v1/health/checkins", json=payload, headers={"Idempotency-Key": idempotency_key}
        )[1]

    def issue_ticket(
        self,
        checkin_id: str,
        department_code: str,
        *,
        idempotency_key: str,
        provisional_number: int | None = None,
        payment: str | None = None,
    ) -> dict:
        body = {"department_code": department_code}
        if payment is not None:
            body["payment"] = payment
        if provisional_number is not None:
            body["provisional_number"] = provisional_number
        return self._call(
            "POST",
            f"/api/v1/health/checkins/{checkin_id}/tickets",
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )[1]

    def request_help(self, body: dict) -> dict:
        return self._call("POST", "/api/v1/health/help-requests", json=body)[1]

    # --- account recovery (kiosk_app/recovery_flow.py) --------------------------------------------------
    def recovery_start(self) -> dict:
        """A recovery attempt: the chip challenge and the liveness prompt to show."""
        return self._call("POST", "/api/v1/recovery/attempts")[1]

    def recovery_evidence(self, attempt_id: str, body: dict) -> dict:
        return self._call("POST", f"/api/v1/recovery/attempts/{attempt_id}/evidence", json=body)[1]

    def recovery_status(self, attempt_id: str) -> dict:
        return self._call("GET", f"/api/v1/recovery/attempts/{attempt_id}")[1]
