"""The provider's browser session (who logged in, when, how) and its CSRF token: a cookie signed the one way web
cookies are (backend.auth.web_session.cookie_serializer). It is not a WebSession: it must survive a relying party's
cross-site redirect, carries step-up factors and the QR logins pending in this browser.

The cookie is SameSite=Lax, not Strict: a relying party sends the browser here with a cross-site top-level
GET, and an existing login must be recognised then. Every POST still checks the CSRF token."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import abort, make_response, request
from itsdangerous import BadSignature

from backend.auth.console import cookie_secure
from backend.auth.web_session import cookie_serializer as _serializer

COOKIE = "congdan_login"
PATH = "/oidc"
MAX_AGE_S = 30 * 60  # a login is reused for half an hour, then the citizen signs in again
_SALT = "oidc-login-session"


@dataclass
class LoginSession:
    csrf: str
    account_id: int | None = None
    auth_time: int | None = None  # epoch seconds
    acr: str | None = None
    amr: list[str] = field(default_factory=list)
    # Secret bindings of QR login requests shown to this browser (public id -> binding).
    pending: dict[str, str] = field(default_factory=dict)

    @property
    def level(self) -> int:
        return int(self.acr or 0)

    @property
    def auth_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.auth_time or 0, UTC)

    def sign_in(self, account_id: int, auth_time: int, *, acr: str, amr: list[str]) -> None:
        """A new login, or a step-up of the same account (the factors add up; the time is the latest)."""
        if self.account_id != account_id:
            self.amr = []
        self.account_id, self.auth_time, self.acr = account_id, auth_time, acr
        self.amr = sorted(set(self.amr) | set(amr))
        self.csrf = secrets.token_urlsafe(24)  # a new login gets a new token (no fixation)


def load() -> LoginSession:
    """The browser's session, or a fresh anonymous one (with a CSRF token for the login form)."""
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data = _serializer(_SALT).loads(raw, max_age=MAX_AGE_S)
            return LoginSession(
                csrf=data["c"],
                account_id=data.get("a"),
                auth_time=data.get("t"),
                acr=data.get("r"),
                amr=list(data.get("m", [])),
                pending=dict(data.get("p", {})),
            )
        except (BadSignature, KeyError, TypeError):
            pass
    return LoginSession(csrf=secrets.token_urlsafe(24))


def save(response, login: LoginSession):
    response = make_response(response)
    value = _serializer(_SALT).dumps(
        {
            "c": login.csrf,
            "a": login.account_id,
            "t": login.auth_time,
            "r": login.acr,
            "m": login.amr,
            "p": login.pending,
        }
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE_S,
        path=PATH,
        httponly=True,
        samesite="Lax",
        secure=cookie_secure(),
    )
    return response


def clear(response):
    response.delete_cookie(COOKIE, path=PATH)
    return response


def check_csrf(login: LoginSession) -> None:
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent.encode(), login.csrf.encode()):
        abort(400, "Biểu mẫu đã hết hạn, vui lòng tải lại trang. / The form has expired; reload the page.")
