"""The fleet admins' dashboard: server-rendered pages under /fleet (outside the token API).

Login sets a signed session cookie (HttpOnly, SameSite=Strict, Secure unless FLEET_DASHBOARD_COOKIE_SECURE
is off for tests on http://127.0.0.1) tied to a token family, so logging out or disabling the account ends
it. Every POST form carries a CSRF token bound to the session (the login form: to a pre-login cookie)."""

from __future__ import annotations

import functools
import hmac
import secrets

import segno
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from backend.auth import service as auth_service
from backend.auth import throttle, tokens
from backend.auth.models import Account, TokenFamily
from backend.core import clock
from backend.core.access import FLEET_ADMIN, Principal
from backend.errors import DomainError
from backend.extensions import db, limiter
from backend.fleet import charts, present, service
from backend.fleet.labels import label
from backend.fleet.settings import fleet_setting
from backend.fleet.telemetry import VIETNAM
from shared_schemas.fleet import COMMAND_KINDS, LANGUAGES

bp = Blueprint(
    "fleet_dashboard",
    __name__,
    url_prefix="/fleet",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

SESSION_COOKIE = "congdan_fleet"
LOGIN_COOKIE = "congdan_fleet_login"
_FORM = ("application/x-www-form-urlencoded",)

_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _max_age() -> int:
    return int(fleet_setting("FLEET_DASHBOARD_SESSION_HOURS") * 3600)


def _set_cookie(response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/fleet",
        httponly=True,
        samesite="Strict",
        secure=bool(fleet_setting("FLEET_DASHBOARD_COOKIE_SECURE")),
    )


def _load_session() -> tuple[Principal, str] | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer("fleet-session").loads(raw, max_age=_max_age())
    except BadSignature:
        return None
    account = db.session.get(Account, data.get("a"))
    if (
        account is None
        or account.role != FLEET_ADMIN
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


def form_post(view):
    """A dashboard form: accepts urlencoded bodies and checks the session's CSRF token."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if request.method == "POST":
            sent = request.form.get("csrf_token", "")
            if not hmac.compare_digest(sent.encode(), g.fleet_csrf.encode()):
                abort(400, "The form has expired; reload the page and try again.")
        return view(*args, **kwargs)

    checked.accepts_content_types = _FORM
    return checked


@bp.before_request
def _require_login():
    if request.endpoint in ("fleet_dashboard.login", "fleet_dashboard.static"):
        return None
    loaded = _load_session()
    if loaded is None:
        return redirect(url_for("fleet_dashboard.login"))
    g.fleet_principal, g.fleet_csrf = loaded
    return None


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = _CSP
    if request.endpoint == "fleet_dashboard.static":
        response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return _page("fleet/error.html", status=error.status, detail=error.detail), error.status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _page("fleet/error.html", status=error.code, detail=error.description), error.code


@bp.app_template_filter("vn_time")
def _vn_time(moment, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return "—" if moment is None else moment.astimezone(VIETNAM).strftime(fmt)


@bp.app_context_processor
def _helpers():
    def bi(key: str | None, css: str = "") -> Markup:
        vi, en = label(key)
        if vi == en:
            return Markup('<span class="vi {}">{}</span>').format(css, vi)
        return Markup('<span class="vi {}">{}</span> <span class="en">{}</span>').format(css, vi, en)

    return {"bi": bi, "csrf_token": lambda: g.get("fleet_csrf", g.get("fleet_login_csrf", ""))}


def _page(template: str, **context):
    return render_template(template, principal=g.get("fleet_principal"), **context)


# --- login and logout -----------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def login():
    serializer = _serializer("fleet-login")
    error = None
    if request.method == "POST":
        try:
            expected = serializer.loads(request.cookies.get(LOGIN_COOKIE, ""), max_age=3600)
        except BadSignature:
            expected = None
        if not expected or not hmac.compare_digest(
            expected.encode(), request.form.get("csrf_token", "").encode()
        ):
            error = (
                "Phiên đăng nhập đã hết hạn, vui lòng thử lại. / The login form expired; please try again."
            )
        else:
            username = request.form.get("username", "")
            try:
                account = throttle.attempt(
                    db.session, scope="login", account=username, address=request.remote_addr,
                    failures=(DomainError,),
                    action=lambda: _authenticate_fleet_admin(username, request.form.get("password", "")),
                )
            except throttle.TooManyAttempts as refused:
                response = _login_page(refused.detail)
                response.status_code = 429
                response.headers["Retry-After"] = str(refused.retry_after)
                return response
            except DomainError:
                error = "Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password."
            else:
                family = TokenFamily(
                    id=secrets.token_hex(16),
                    account_id=account.id,
                    created_at=clock.now(),
                    client="fleet-dashboard",
                )
                db.session.add(family)
                db.session.commit()
                token = _serializer("fleet-session").dumps(
                    {"a": account.id, "f": family.id, "c": secrets.token_urlsafe(24)}
                )
                response = redirect(url_for("fleet_dashboard.overview"))
                _set_cookie(response, SESSION_COOKIE, token, _max_age())
                response.delete_cookie(LOGIN_COOKIE, path="/fleet")
                return response
    response = _login_page(error)
    response.status_code = 401 if error else 200
    return response


def _login_page(error: str | None):
    """The login form with a fresh pre-login CSRF cookie."""
    g.fleet_login_csrf = secrets.token_urlsafe(24)
    response = current_app.make_response(_page("fleet/login.html", error=error))
    _set_cookie(response, LOGIN_COOKIE, _serializer("fleet-login").dumps(g.fleet_login_csrf), 3600)
    return response


def _authenticate_fleet_admin(username: str, password: str) -> Account:
    """The same back-off as the API login (shared counters): a wrong role counts as a wrong password."""
    account = auth_service.authenticate(session=db.session, username=username, password=password)
    if account.role != FLEET_ADMIN:
        raise DomainError("not a fleet admin")
    return account


login.accepts_content_types = _FORM


@bp.route("/logout", methods=["POST"])
@form_post
def logout():
    tokens.revoke_family(db.session, g.fleet_principal.family_id, "logout")
    db.session.commit()
    response = redirect(url_for("fleet_dashboard.login"))
    response.delete_cookie(SESSION_COOKIE, path="/fleet")
    return response


# --- pages ----------------------------------------------------------------------------------------------
@bp.route("/")
def overview():
    now = clock.now()
    connectivity = request.args.get("connectivity") or None
    if connectivity not in (None, "online", "offline", "never_seen"):
        connectivity = None
    hospital = request.args.get("hospital") or None
    counts = service.fleet_overview(session=db.session, principal=g.fleet_principal, now=now)
    kiosks = service.list_kiosks(
        session=db.session,
        principal=g.fleet_principal,
        now=now,
        hospital_code=hospital,
        connectivity_filter=connectivity,
    )
    alerts = service.list_alerts(
        session=db.session, principal=g.fleet_principal, now=now, state="open", hospital_code=None
    )
    db.session.commit()
    return _page(
        "fleet/overview.html",
        counts=counts,
        kiosks=kiosks,
        names=service.hospital_names(db.session),
        connectivity=connectivity,
        hospital=hospital,
        open_alerts=len(alerts),
        now=now,
    )


@bp.route("/kiosks/<kiosk_id>")
def kiosk(kiosk_id: str):
    now = clock.now()
    principal = g.fleet_principal
    view = service.kiosk_view(session=db.session, principal=principal, kiosk_id=kiosk_id, now=now)
    points = service.metric_series(
        session=db.session, principal=principal, kiosk_id=kiosk_id, hours=24, now=now
    )
    return _page(
        "fleet/kiosk.html",
        view=view,
        kiosk=view.kiosk,
        hospital_name=service.hospital_names(db.session).get(view.kiosk.hospital_code, ""),
        commands=service.list_commands(session=db.session, principal=principal, kiosk_id=kiosk_id, limit=20),
        alerts=service.list_alerts(
            session=db.session,
            principal=principal,
            now=now,
            state="all",
            hospital_code=None,
            kiosk_id=kiosk_id,
        )[:20],
        chart=charts.job_chart(points, VIETNAM),
        totals=charts.totals(points),
        command_kinds=COMMAND_KINDS,
        notice=request.args.get("notice"),
    )


@bp.route("/kiosks/<kiosk_id>/commands", methods=["POST"])
@form_post
def send_command(kiosk_id: str):
    kind = request.form.get("kind", "")
    if kind not in COMMAND_KINDS:
        abort(400, "Unknown command.")
    message = (request.form.get("message") or "").strip()[:200] or None
    command = service.queue_command(
        session=db.session,
        principal=g.fleet_principal,
        kiosk_id=kiosk_id,
        kind=kind,
        message=message,
        now=clock.now(),
    )
    db.session.commit()
    return redirect(url_for("fleet_dashboard.kiosk", kiosk_id=kiosk_id, notice=f"queued:{command.id}"), 303)


@bp.route("/kiosks/<kiosk_id>/status", methods=["POST"])
@form_post
def change_status(kiosk_id: str):
    status = request.form.get("status", "")
    if status not in ("active", "suspended", "decommissioned"):
        abort(400, "Unknown status.")
    reason = (request.form.get("reason") or "").strip()[:200] or "dashboard"
    service.change_status(
        session=db.session,
        principal=g.fleet_principal,
        kiosk_id=kiosk_id,
        status=status,
        reason=reason,
        now=clock.now(),
    )
    db.session.commit()
    return redirect(url_for("fleet_dashboard.kiosk", kiosk_id=kiosk_id, notice=f"status:{status}"), 303)


@bp.route("/alerts")
def alerts():
    state = request.args.get("state", "open")
    if state not in ("open", "resolved", "all"):
        state = "open"
    rows = service.list_alerts(
        session=db.session, principal=g.fleet_principal, now=clock.now(), state=state, hospital_code=None
    )
    db.session.commit()
    return _page("fleet/alerts.html", rows=rows, state=state, names=service.hospital_names(db.session))


@bp.route("/enrollment-codes", methods=["GET", "POST"])
@form_post
def enrollment_codes():
    now = clock.now()
    created = None
    if request.method == "POST":
        try:
            valid_hours = max(1, min(168, int(request.form.get("valid_hours") or 24)))
        except ValueError:
            valid_hours = 24
        label_text = (request.form.get("location_label") or "").strip()[:100]
        if not label_text:
            abort(400, "Give the kiosk's location.")
        record, code = service.create_enrollment_code(
            session=db.session,
            principal=g.fleet_principal,
            hospital_code=request.form.get("hospital_code", ""),
            location_label=label_text,
            valid_hours=valid_hours,
            now=now,
        )
        db.session.commit()
        created = present.enrollment_code(record, now, code=code)
        svg = segno.make(created["qr_text"], error="m").svg_inline(scale=6, border=2)
        # segno's SVG of the code we generated ourselves, not user input (bandit B704 does not apply).
        created["qr_svg"] = Markup(svg)  # nosec B704
    codes = [
        present.enrollment_code(c, now)
        for c in service.list_enrollment_codes(session=db.session, principal=g.fleet_principal, limit=50)
    ]
    return _page("fleet/codes.html", codes=codes, created=created, names=service.hospital_names(db.session))


@bp.route("/profiles", methods=["GET", "POST"])
@form_post
def profiles():
    now = clock.now()
    notice = None
    if request.method == "POST":
        target = request.form.get("target", "")
        hospital_code, kiosk_id = (
            (target[2:], None) if target.startswith("h:") else (None, target[2:] or None)
        )
        try:
            settings = {
                "idle_timeout_s": max(15, min(600, int(request.form.get("idle_timeout_s") or 60))),
                "heartbeat_interval_s": max(5, min(600, int(request.form.get("heartbeat_interval_s") or 15))),
                "languages": [lang for lang in LANGUAGES if request.form.get(f"lang_{lang}")] or ["vi"],
                "departments": [
                    d.strip() for d in (request.form.get("departments") or "").split(",") if d.strip()
                ][:60],
                "printer": {
                    "copies": max(1, min(3, int(request.form.get("copies") or 1))),
                    "paper_width_mm": 58 if request.form.get("paper_width_mm") == "58" else 80,
                    "cut": bool(request.form.get("cut")),
                },
            }
        except ValueError:
            abort(400, "Numbers only, please.")
        profile = service.create_profile(
            session=db.session,
            principal=g.fleet_principal,
            hospital_code=hospital_code,
            kiosk_id=kiosk_id,
            settings=settings,
            now=now,
        )
        db.session.commit()
        notice = profile.id
    rows = [
        present.profile(p)
        for p in service.list_profiles(
            session=db.session, principal=g.fleet_principal, hospital_code=None, kiosk_id=None
        )[:30]
    ]
    kiosks = service.list_kiosks(
        session=db.session, principal=g.fleet_principal, now=now, hospital_code=None, connectivity_filter=None
    )
    return _page(
        "fleet/profiles.html",
        rows=rows,
        names=service.hospital_names(db.session),
        kiosks=kiosks,
        notice=notice,
        languages=LANGUAGES,
    )
