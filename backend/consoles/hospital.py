"""The hospital staff console: my hospital's department queues (call next, call again, mark absent), today's
check-ins with the trust level the server verified, calls for help from the kiosks (acknowledge, resolve with a
note), and the signed link of the public waiting-room screen. Pages only: every rule is in backend/health and
backend/fleet/help_requests.py, and every page is scoped to the staff member's own hospital."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for

from backend.auth.console import CONSOLE, register_console, signed_in
from backend.consoles import waiting_room
from backend.core import clock
from backend.core.access import HOSPITAL_STAFF
from backend.errors import DomainError
from backend.extensions import db
from backend.fleet import help_requests
from backend.health import queue as health_queue
from backend.health import queue_staff
from shared_schemas.clock import VIETNAM_TZ
from shared_schemas.text import mask_name

bp = Blueprint("hospital_console", __name__, url_prefix="/console/hospital", template_folder="templates")
register_console("hospital_console.overview", (HOSPITAL_STAFF,), "Bệnh viện", "Hospital")

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)
NOTE_MAX = 300

#: What each trust level means, for people at a reception desk (shared_schemas.identification.TRUST_LEVELS).
TRUST_WORDS = {
    "chip_verified": ("Thẻ CCCD gắn chip, chip thật đã được xác minh", "Chip ID card, genuine chip verified"),
    "chip_data_authentic": ("Dữ liệu chip đúng, chưa xác minh chip thật", "Chip data authentic, chip not proven"),
    "app_qr_verified": ("Mã QR VNeID đã xác minh trực tuyến", "VNeID QR verified online"),
    "app_qr_offline": ("Mã QR VNeID, ki-ốt ngoại tuyến", "VNeID QR, kiosk was offline"),
    "card_data_presented": ("Mã QR in trên thẻ: chỉ là dữ liệu, chưa xác minh", "Card's printed QR: data only"),
    "details_typed": ("Nhập số định danh và ngày sinh (trẻ em)", "ID number and birth date typed (child)"),
}
STRONG_TRUST = ("chip_verified", "app_qr_verified")
#: The kiosk's screens and reasons of a call for help (shared_schemas.kiosk_help), in words for the desk.
HELP_WORDS = {
    "welcome": ("màn hình chào", "welcome screen"),
    "identify": ("chọn cách xác thực", "choosing how to identify"),
    "reading": ("đang đọc thẻ", "reading the card"),
    "typing": ("nhập số định danh", "typing the ID number"),
    "checking_in": ("đang tiếp đón", "checking in"),
    "confirm": ("xác nhận thông tin", "confirming details"),
    "insurance": ("bảo hiểm y tế", "health insurance"),
    "department": ("chọn phòng khám", "choosing a clinic"),
    "issuing": ("đang in số", "printing the ticket"),
    "ticket": ("phiếu số thứ tự", "the ticket"),
    "error": ("màn hình lỗi", "error screen"),
    "locked": ("ki-ốt bị khoá", "kiosk locked"),
    "patient_asked": ("người bệnh gọi", "patient asked"),
    "identify_failed": ("không xác thực được", "identification failed"),
    "checkin_refused": ("tiếp đón bị từ chối", "check-in refused"),
    "print_failed": ("máy in lỗi", "printer failed"),
    "offline": ("ki-ốt mất kết nối", "kiosk offline"),
}


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("hhmm")
def _hhmm(moment) -> str:
    """A moment as Vietnam's wall-clock time (hours:minutes), for today's lists."""
    return moment.astimezone(VIETNAM_TZ).strftime("%H:%M") if moment else ""


def _principal():
    return CONSOLE.principal()


def _key() -> str:
    """A fresh Idempotency-Key per rendered form: submitting the same form twice acts once."""
    return uuid.uuid4().hex


def _page(template: str, **context):
    return render_template(
        f"consoles/hospital/{template}", new_key=_key, mask_name=mask_name, help_words=HELP_WORDS, **context
    )


def _back(endpoint: str, message: str | None = None, **values):
    return redirect(url_for(endpoint, msg=message, **values) if message else url_for(endpoint, **values))


@bp.route("/")
@signed_in(HOSPITAL_STAFF)
def overview():
    queues = queue_staff.queue_overview(session=db.session, principal=_principal())
    calls = help_requests.list_help_requests(session=db.session, principal=_principal(), state="open")
    hospital = queue_staff.staff_hospital(session=db.session, principal=_principal())
    return _page(
        "overview.html",
        hospital=hospital,
        queues=queues,
        open_calls=len(calls),
        display_url=url_for("waiting_room.screen", token=waiting_room.token_for(hospital.code), _external=True),
    )


@bp.route("/queues/<string:department_code>")
@signed_in(HOSPITAL_STAFF)
def queue(department_code: str):
    return _page("queue.html", **_queue_context(department_code), msg=request.args.get("msg"))


@bp.route("/queues/<string:department_code>/live")
@signed_in(HOSPITAL_STAFF)
def queue_live(department_code: str):
    """The part of the queue page that refreshes itself (the forms' keys are new on every refresh)."""
    return _page("queue_live.html", **_queue_context(department_code))


def _queue_context(department_code: str) -> dict:
    queue = health_queue.queue_view(session=db.session, principal=_principal(), department_code=department_code)
    return {
        "department": queue.department,
        "tickets": [(entry.ticket, entry.patient_name_masked) for entry in queue.tickets],
        "waiting": queue.waiting,
    }


@bp.route("/queues/<string:department_code>/call", methods=["POST"])
@signed_in(HOSPITAL_STAFF)
def call_next(department_code: str):
    try:
        result = queue_staff.call_next_once(
            session=db.session,
            principal=_principal(),
            department_code=department_code,
            idempotency_key=_form_key(),
        )
    except DomainError as refused:
        return _refused(refused, department_code)
    return _back("hospital_console.queue", f"called:{result.ticket.number}", department_code=department_code)


_TICKET_ACTIONS = {"recall": queue_staff.recall, "skip": queue_staff.skip, "done": queue_staff.finish}


@bp.route(
    "/queues/<string:department_code>/tickets/<string:ticket_id>/<any(recall, skip, done):action>", methods=["POST"]
)
@signed_in(HOSPITAL_STAFF)
def ticket_action(department_code: str, ticket_id: str, action: str):
    act = _TICKET_ACTIONS[action]
    try:
        ticket = act(
            session=db.session,
            principal=_principal(),
            department_code=department_code,
            ticket_id=ticket_id,
            idempotency_key=_form_key(),
        )
    except DomainError as refused:
        return _refused(refused, department_code)
    return _back("hospital_console.queue", f"{action}:{ticket.number}", department_code=department_code)


def _refused(refused: DomainError, department_code: str):
    if refused.status in (403, 404) and not _department_exists(department_code):
        abort(404)
    return _back(
        "hospital_console.queue",
        "refused:" + _REFUSALS.get(type(refused).__name__, "other"),
        department_code=department_code,
    )


_REFUSALS = {"NotFound": "empty", "Conflict": "state", "IdempotencyKeyReused": "state"}


def _department_exists(department_code: str) -> bool:
    hospital = queue_staff.staff_hospital(session=db.session, principal=_principal())
    return any(d.code == department_code for d in hospital.departments)


def _form_key() -> str | None:
    key = request.form.get("idempotency_key", "")
    return key if 8 <= len(key) <= 100 and key.isalnum() else None


@bp.route("/checkins")
@signed_in(HOSPITAL_STAFF)
def checkins():
    rows = queue_staff.todays_checkins(session=db.session, principal=_principal())
    return _page("checkins.html", rows=rows, trust_words=TRUST_WORDS, strong=STRONG_TRUST, today=clock.today())


@bp.route("/help")
@signed_in(HOSPITAL_STAFF)
def help_calls():
    return _page("help.html", **_help_context(), msg=request.args.get("msg"))


@bp.route("/help/live")
@signed_in(HOSPITAL_STAFF)
def help_live():
    return _page("help_live.html", **_help_context())


def _help_context() -> dict:
    calls = help_requests.list_help_requests(session=db.session, principal=_principal(), state="all")
    return {
        "open_calls": [c for c in calls if c.request.acknowledged_at is None],
        "acknowledged": [c for c in calls if c.request.acknowledged_at and c.request.resolved_at is None],
        "resolved": [c for c in calls if c.request.resolved_at is not None][:20],
    }


@bp.route("/help/<string:request_id>/<any(acknowledge, resolve):action>", methods=["POST"])
@signed_in(HOSPITAL_STAFF)
def help_action(request_id: str, action: str):
    if action == "acknowledge":
        help_requests.acknowledge(session=db.session, principal=_principal(), request_id=request_id, now=clock.now())
        return _back("hospital_console.help_calls", "acknowledged")
    note = " ".join(request.form.get("note", "").split())
    if not note or len(note) > NOTE_MAX:
        return _back("hospital_console.help_calls", "note")
    help_requests.resolve(session=db.session, principal=_principal(), request_id=request_id, note=note, now=clock.now())
    return _back("hospital_console.help_calls", "resolved")


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return render_template("consoles/hospital/error.html", status=error.status, detail=error.detail), error.status
