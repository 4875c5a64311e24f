"""The fleet admins' dashboard: server-rendered pages under /fleet (outside the token API). Its login, session
cookie and CSRF tokens are the one console session of every staff console (backend/auth/console.py)."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from backend.auth.console import CONSOLE, register_console
from backend.auth.console import signed_in as console_signed_in
from backend.core import clock
from backend.core.access import FLEET_ADMIN
from backend.errors import DomainError
from backend.extensions import db
from backend.fleet import charts, commands, enrollment, monitoring
from backend.fleet import kiosks as fleet_kiosks
from backend.fleet import profiles as fleet_profiles
from backend.fleet.labels import label
from backend.fleet.lookups import get_kiosk, hospital_names
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

# The one web login of every console (backend/auth/console.py): the fleet admin signs in at /login.
signed_in = console_signed_in(FLEET_ADMIN)
register_console("fleet_dashboard.overview", (FLEET_ADMIN,), "Quản lý ki-ốt", "Kiosk fleet")

_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


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


@bp.app_template_filter("vn_age")
def _vn_age(seconds: int | None) -> Markup:
    """How long ago, bilingual: "12 phút trước / 12 min ago"."""
    if seconds is None:
        return Markup("—")
    for size, vi, en in ((86400, "ngày", "d"), (3600, "giờ", "h"), (60, "phút", "min"), (1, "giây", "s")):
        if seconds >= size or size == 1:
            count = seconds // size
            return Markup('{} {} trước <span class="en">{} {} ago</span>').format(count, vi, count, en)
    return Markup("—")


@bp.app_context_processor
def _helpers():
    def bi(key: str | None, css: str = "") -> Markup:
        vi, en = label(key)
        if vi == en:
            return Markup('<span class="vi {}">{}</span>').format(css, vi)
        return Markup('<span class="vi {}">{}</span> <span class="en">{}</span>').format(css, vi, en)

    return {"bi": bi, "csrf_token": CONSOLE.csrf_token}


def _page(template: str, **context):
    return render_template(template, principal=CONSOLE.principal(), **context)


# --- the old login address -------------------------------------------------------------------------------
@bp.route("/login")
def login():
    """Bookmarks of the fleet's own login page land on the one console login."""
    return redirect(url_for("consoles.login"))


# --- pages ----------------------------------------------------------------------------------------------
@bp.route("/")
@signed_in
def overview():
    now = clock.now()
    connectivity = request.args.get("connectivity") or None
    if connectivity not in (None, "online", "offline", "never_seen"):
        connectivity = None
    hospital = request.args.get("hospital") or None
    counts = monitoring.fleet_overview(session=db.session, principal=CONSOLE.principal(), now=now)
    kiosks = fleet_kiosks.list_kiosks(
        session=db.session,
        principal=CONSOLE.principal(),
        now=now,
        hospital_code=hospital,
        connectivity_filter=connectivity,
    )
    alerts = monitoring.list_alerts(
        session=db.session, principal=CONSOLE.principal(), now=now, state="open", hospital_code=None
    )
    return _page(
        "fleet/overview.html",
        counts=counts,
        kiosks=kiosks,
        names=hospital_names(db.session),
        connectivity=connectivity,
        hospital=hospital,
        open_alerts=len(alerts),
        now=now,
    )


@bp.route("/kiosks/<kiosk_id>")
@signed_in
def kiosk(kiosk_id: str):
    now = clock.now()
    principal = CONSOLE.principal()
    view = fleet_kiosks.kiosk_view(session=db.session, principal=principal, kiosk_id=kiosk_id, now=now)
    points = monitoring.metric_series(session=db.session, principal=principal, kiosk_id=kiosk_id, hours=24, now=now)
    return _page(
        "fleet/kiosk.html",
        view=view,
        kiosk=view.kiosk,
        hospital_name=hospital_names(db.session).get(view.kiosk.hospital_code, ""),
        commands=commands.list_commands(session=db.session, principal=principal, kiosk_id=kiosk_id, limit=20),
        alerts=monitoring.list_alerts(
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
@signed_in
def send_command(kiosk_id: str):
    kind = request.form.get("kind", "")
    if kind not in COMMAND_KINDS:
        abort(400, "Unknown command.")
    message = (request.form.get("message") or "").strip()[:200] or None
    command = commands.queue_command(
        session=db.session,
        principal=CONSOLE.principal(),
        kiosk_id=kiosk_id,
        kind=kind,
        message=message,
        now=clock.now(),
    )
    return redirect(url_for("fleet_dashboard.kiosk", kiosk_id=kiosk_id, notice=f"queued:{command.id}"), 303)


@bp.route("/kiosks/<kiosk_id>/status", methods=["POST"])
@signed_in
def change_status(kiosk_id: str):
    status = request.form.get("status", "")
    if status not in ("active", "suspended", "decommissioned"):
        abort(400, "Unknown status.")
    reason = (request.form.get("reason") or "").strip()[:200] or "dashboard"
    fleet_kiosks.change_status(
        session=db.session,
        principal=CONSOLE.principal(),
        kiosk_id=kiosk_id,
        status=status,
        reason=reason,
        now=clock.now(),
    )
    return redirect(url_for("fleet_dashboard.kiosk", kiosk_id=kiosk_id, notice=f"status:{status}"), 303)


@bp.route("/alerts")
@signed_in
def alerts():
    state = request.args.get("state", "open")
    if state not in ("open", "resolved", "all"):
        state = "open"
    rows = monitoring.list_alerts(
        session=db.session, principal=CONSOLE.principal(), now=clock.now(), state=state, hospital_code=None
    )
    return _page("fleet/alerts.html", rows=rows, state=state, names=hospital_names(db.session))


def _back_to(default: str):
    """Where the form was (only this dashboard's own pages: never an address a link could smuggle in)."""
    target = request.form.get("next") or ""
    if target.startswith("/fleet/") and not target.startswith("//") and "\\" not in target:
        return redirect(target, 303)
    return redirect(default, 303)


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@signed_in
def acknowledge_alert(alert_id: int):
    monitoring.acknowledge_alert(session=db.session, principal=CONSOLE.principal(), alert_id=alert_id, now=clock.now())
    return _back_to(url_for("fleet_dashboard.alerts"))


@bp.route("/alerts/<int:alert_id>/resolve", methods=["POST"])
@signed_in
def resolve_alert(alert_id: int):
    monitoring.resolve_alert(
        session=db.session,
        principal=CONSOLE.principal(),
        alert_id=alert_id,
        note=(request.form.get("note") or "")[:500],
        now=clock.now(),
    )
    return _back_to(url_for("fleet_dashboard.alerts"))


@bp.route("/enrollment-codes", methods=["GET", "POST"])
@signed_in
def enrollment_codes():
    now = clock.now()
    created = qr_svg = None
    if request.method == "POST":
        try:
            valid_hours = max(1, min(168, int(request.form.get("valid_hours") or 24)))
        except ValueError:
            valid_hours = 24
        label_text = (request.form.get("location_label") or "").strip()[:100]
        if not label_text:
            abort(400, "Give the kiosk's location.")
        record, code = enrollment.create_enrollment_code(
            session=db.session,
            principal=CONSOLE.principal(),
            hospital_code=request.form.get("hospital_code", ""),
            location_label=label_text,
            valid_hours=valid_hours,
            now=now,
        )
        created = enrollment.CodeView(record, "active", code)
        svg = segno.make(created.qr_text, error="m").svg_inline(scale=6, border=2)
        # segno's SVG of the code we generated ourselves, not user input (bandit B704 does not apply).
        qr_svg = Markup(svg)  # nosec B704
    codes = enrollment.list_enrollment_codes(session=db.session, principal=CONSOLE.principal(), now=now, limit=50)
    return _page("fleet/codes.html", codes=codes, created=created, qr_svg=qr_svg, names=hospital_names(db.session))


def _target_hospital(hospital_code: str | None, kiosk_id: str | None) -> str | None:
    if hospital_code:
        return hospital_code
    return get_kiosk(db.session, kiosk_id).hospital_code if kiosk_id else None


@bp.route("/profiles", methods=["GET", "POST"])
@signed_in
def profiles():
    now = clock.now()
    notice = None
    if request.method == "POST":
        target = request.form.get("target", "")
        hospital_code, kiosk_id = (target[2:], None) if target.startswith("h:") else (None, target[2:] or None)
        try:
            settings = {
                "idle_timeout_s": max(15, min(600, int(request.form.get("idle_timeout_s") or 60))),
                "heartbeat_interval_s": max(5, min(600, int(request.form.get("heartbeat_interval_s") or 15))),
                "languages": [lang for lang in LANGUAGES if request.form.get(f"lang_{lang}")] or ["vi"],
                # Ticked from the target hospital's own list; a code ticked under another hospital is not sent.
                "departments": [
                    value.partition(":")[2]
                    for value in request.form.getlist("department")
                    if value.partition(":")[0] == _target_hospital(hospital_code, kiosk_id)
                ][:60],
                "printer": {
                    "copies": max(1, min(3, int(request.form.get("copies") or 1))),
                    "paper_width_mm": 58 if request.form.get("paper_width_mm") == "58" else 80,
                    "cut": bool(request.form.get("cut")),
                },
            }
        except ValueError:
            abort(400, "Numbers only, please.")
        profile = fleet_profiles.create_profile(
            session=db.session,
            principal=CONSOLE.principal(),
            hospital_code=hospital_code,
            kiosk_id=kiosk_id,
            settings=settings,
            now=now,
        )
        notice = profile.id
    rows = fleet_profiles.list_profiles(
        session=db.session, principal=CONSOLE.principal(), hospital_code=None, kiosk_id=None
    )[:30]
    kiosks = fleet_kiosks.list_kiosks(
        session=db.session, principal=CONSOLE.principal(), now=now, hospital_code=None, connectivity_filter=None
    )
    return _page(
        "fleet/profiles.html",
        rows=rows,
        names=hospital_names(db.session),
        kiosks=kiosks,
        notice=notice,
        languages=LANGUAGES,
        departments=fleet_profiles.department_choices(db.session),
    )
