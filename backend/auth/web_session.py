"""Browser sessions for server-rendered consoles (the fleet dashboard today; the OpenID provider's login page and
later consoles too): the one place for the login form, the session cookie, CSRF tokens and logout.

A session is a signed cookie (HttpOnly, SameSite=Strict, Secure unless the console's setting turns it off for
tests on http://127.0.0.1) naming an account and a token family, so logging out, disabling the account or
revoking its sessions ends it. Every POST carries a CSRF token bound to the session (the login form: to a
pre-login cookie). Wrong passwords meet the same back-off as the API login (backend/auth/throttle.py).

Use: `console = WebSession(name="fleet", path="/fleet", client="fleet-dashboard", login_endpoint=...)`, then
`@console.login_required(FLEET_ADMIN)` on each page, `console.log_in(FLEET_ADMIN)` + `console.start(...)` in
the login view, `console.logout(response)`, `console.principal()` and `console.csrf_token()` in templates."""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, g, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend.auth import service as auth_service
from backend.auth import throttle, tokens
from backend.auth.models import Account, TokenFamily
from backend.core import clock
from backend.core.access import Principal
from backend.core.unit_of_work import unit_of_work
from backend.errors import DomainError
from backend.extensions import db

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded",)
LOGIN_FORM_MAX_AGE_S = 3600
EXPIRED_FORM = "Phiên đăng nhập đã hết hạn, vui lòng thử lại. / The login form expired; please try again."
WRONG_PASSWORD = "Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password."


class LoginRefused(Exception):
    """The login form is answered again with this bilingual message (and a Retry-After when backing off)."""

    def __init__(self, message: str, *, status: int = 401, retry_after: int | None = None):
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


class _WrongRole(DomainError):
    """Counted by the back-off like a wrong password: the login form does not tell them apart."""


def cookie_serializer(salt: str) -> URLSafeTimedSerializer:
    """The one way web cookies are signed: the app's SECRET_KEY, a salt per purpose. Sessions with other
    cookie rules (the identity provider's SameSite=Lax login, which a relying party's redirect must carry)
    sign with this too."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


@dataclass(frozen=True)
class WebSession:
    name: str  # salts the signatures and names the cookies: congdan_<name>, congdan_<name>_login
    path: str  # the console's URL prefix: the cookies are sent there only
    client: str  # the token family's client label, shown in the holder's session list
    login_endpoint: str
    max_age_s: Callable[[], int]
    cookie_secure: Callable[[], bool]
    # The answer to a signed-in account whose role may not open the page (a 403 page that says so); without it,
    # such an account is sent to the login form like a visitor.
    forbidden: Callable[[], object] | None = None

    @property
    def cookie(self) -> str:
        return f"congdan_{self.name}"

    @property
    def login_cookie(self) -> str:
        return f"congdan_{self.name}_login"

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return cookie_serializer(f"{self.name}-{purpose}")

    def _set_cookie(self, response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.path,
            httponly=True,
            samesite="Strict",
            secure=bool(self.cookie_secure()),
        )

    # --- the session ------------------------------------------------------------------------------------
    def _load(self) -> tuple[Principal, str] | None:
        """The signed-in account's principal and the session's CSRF token; None without a valid session."""
        raw = request.cookies.get(self.cookie)
        if not raw:
            return None
        try:
            data = self._serializer("session").loads(raw, max_age=self.max_age_s())
        except BadSignature:
            return None
        account = db.session.get(Account, data.get("a"))
        if (
            account is None
            or account.status != "active"
            or tokens.is_token_refused(db.session, {"fam": data.get("f"), "sub": data.get("a")})
        ):
            return None
        principal = Principal(
            account_id=account.id,
            role=account.role,
            level=account.level,
            label=account.display_name or account.username,
            family_id=data["f"],
            scope_code=account.scope_code,
        )
        return principal, data["c"]

    def login_required(self, *roles: str):
        """A console page: a signed-in account of one of `roles` (a visitor goes to the login form, an account of
        another role gets `forbidden`); a POST must carry the session's CSRF token; the page runs as one unit of
        work."""

        def decorate(view):
            view = unit_of_work(view)

            @functools.wraps(view)
            def guarded(*args, **kwargs):
                loaded = self._load()
                if loaded is None:
                    return redirect(url_for(self.login_endpoint))
                if loaded[0].role not in roles:
                    if self.forbidden is None:
                        return redirect(url_for(self.login_endpoint))
                    g.web_principal, g.web_csrf = loaded  # the page names the account and its own consoles
                    try:
                        return self.forbidden()
                    finally:
                        g.pop("web_principal", None)
                        g.pop("web_csrf", None)
                g.web_principal, g.web_csrf = loaded
                if request.method == "POST":
                    sent = request.form.get("csrf_token", "")
                    if not hmac.compare_digest(sent.encode(), g.web_csrf.encode()):
                        abort(400, "The form has expired; reload the page and try again.")
                return view(*args, **kwargs)

            guarded.accepts_content_types = FORM_CONTENT_TYPES
            return guarded

        return decorate

    @staticmethod
    def principal() -> Principal | None:
        return g.get("web_principal")

    @staticmethod
    def csrf_token() -> str:
        """The token every form of the page carries (the session's, or the login form's own)."""
        return g.get("web_csrf", g.get("web_login_csrf", ""))

    # --- login and logout -------------------------------------------------------------------------------
    def login_form(self, response_for: Callable[[], object]):
        """Render the login form with a fresh pre-login CSRF token (and its cookie)."""
        g.web_login_csrf = secrets.token_urlsafe(24)
        response = current_app.make_response(response_for())
        self._set_cookie(
            response, self.login_cookie, self._serializer("login").dumps(g.web_login_csrf), LOGIN_FORM_MAX_AGE_S
        )
        return response

    def log_in(self, *roles: str) -> Account:
        """Check the posted login form (CSRF, then username and password under the back-off) for an account of
        one of `roles`; raises LoginRefused with the message to show."""
        try:
            expected = self._serializer("login").loads(
                request.cookies.get(self.login_cookie, ""), max_age=LOGIN_FORM_MAX_AGE_S
            )
        except BadSignature:
            expected = None
        if not expected or not hmac.compare_digest(expected.encode(), request.form.get("csrf_token", "").encode()):
            raise LoginRefused(EXPIRED_FORM)
        username = request.form.get("username", "")

        def authenticate() -> Account:
            account = auth_service.authenticate(
                session=db.session, username=username, password=request.form.get("password", "")
            )
            if account.role not in roles:
                raise _WrongRole("not allowed on this console")
            return account

        try:
            return throttle.attempt(
                db.session,
                scope="login",
                account=username,
                address=request.remote_addr,
                failures=(DomainError,),
                ahead=auth_service.check_password_ahead(username, request.form.get("password", "")),
                action=authenticate,
            )
        except throttle.TooManyAttempts as refused:
            raise LoginRefused(refused.detail, status=429, retry_after=refused.retry_after) from None
        except DomainError:
            raise LoginRefused(WRONG_PASSWORD) from None

    def start(self, account: Account, response) -> None:
        """Open a session for `account` on `response` (a new token family, so it can be ended on its own)."""
        family = TokenFamily(
            id=secrets.token_hex(16), account_id=account.id, created_at=clock.now(), client=self.client
        )
        db.session.add(family)
        db.session.flush()
        token = self._serializer("session").dumps({"a": account.id, "f": family.id, "c": secrets.token_urlsafe(24)})
        self._set_cookie(response, self.cookie, token, self.max_age_s())
        response.delete_cookie(self.login_cookie, path=self.path)

    def logout(self, response) -> None:
        """End the current session: its token family is revoked and the cookie dropped."""
        tokens.revoke_family(db.session, g.web_principal.family_id, "logout")
        response.delete_cookie(self.cookie, path=self.path)
