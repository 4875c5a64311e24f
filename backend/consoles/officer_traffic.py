"""The officer console's traffic pages: the violation catalogue searched by code or words, recording a violation
(the JSON API's schema and service, an idempotency key per form so a resubmitted form records once), the penalty
decision's page, and the plate and licence look-ups with points and suspension (each look-up audited with the
purpose the officer gives)."""

from __future__ import annotations

import uuid
from datetime import datetime

import marshmallow as ma
from flask import Blueprint, redirect, render_template, request, url_for

from backend.auth.console import CONSOLE, register_console, signed_in
from backend.consoles.officer import refused_page
from backend.consoles.officer_forms import FormErrors, errors_from_domain, load_form
from backend.core import clock
from backend.core.access import OFFICER
from backend.errors import DomainError, ValidationFailed
from backend.extensions import db
from backend.traffic import catalogue, licences, service
from shared_schemas.base import IDEMPOTENCY_KEY
from shared_schemas.traffic import PenaltyCreateSchema, Plate

bp = Blueprint("officer_traffic", __name__, url_prefix="/console/officer/traffic", template_folder="templates")
bp.register_error_handler(DomainError, refused_page)

register_console("officer_traffic.traffic", (OFFICER,), "Xử phạt giao thông", "Traffic penalties")

RECORD_FIELDS = (
    "violation_code",
    "detected_by",
    "occurred_at",
    "place",
    "ward_code",
    "plate",
    "driver_personal_id",
    "licence_number",
    "fine_amount",
)
LICENCE_STATUS = {
    "valid": ("Còn hiệu lực", "Valid"),
    "suspended": ("Đang bị tước quyền sử dụng", "Suspended"),
    "no-points": ("Hết điểm — phải sát hạch lại", "No points left: retest required"),
    "expired": ("Hết hạn", "Expired"),
    "revoked": ("Đã thu hồi", "Revoked"),
}
PENALTY_STATUS = {
    "unpaid": ("Chưa nộp phạt", "Unpaid"),
    "paid": ("Đã nộp phạt", "Paid"),
    "cancelled": ("Đã hủy", "Cancelled"),
}


class LookupForm(ma.Schema):
    """The look-up form: a plate or a licence number, and why (the purpose goes into the citizen's trail)."""

    plate = Plate(load_default=None)
    licence = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^\d{12}$"))
    purpose = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=200))

    @ma.validates_schema
    def _one_of_them(self, data, **_kwargs):
        if not (data.get("plate") or data.get("licence")):
            raise ma.ValidationError("Give a plate or a licence number.", field_name="plate")


def _money(amount: int | None) -> str:
    return "" if amount is None else f"{amount:,}".replace(",", ".") + " đ"


def _page(template: str, status: int = 200, **context):
    helpers = {
        "money": _money,
        "licence_status": lambda s: LICENCE_STATUS.get(s, (s, s)),
        "penalty_status": lambda s: PENALTY_STATUS.get(s, (s, s)),
        "local_time": lambda moment: moment.astimezone(clock.VIETNAM_TZ).strftime("%d/%m/%Y %H:%M") if moment else "",
    }
    return render_template(template, **helpers, **context), status


@bp.get("/")
@signed_in(OFFICER)
def traffic():
    query = request.args.get("q", "").strip()[:80]
    found = catalogue.search(query, clock.today()) if query else []
    return _page("consoles/officer/traffic.html", query=query, found=found, lookup=None, errors=FormErrors(), form={})


@bp.get("/lookup")
@signed_in(OFFICER)
def lookup():
    data, errors = load_form(LookupForm(), request.args, fields=("plate", "licence", "purpose"))
    result = None
    if data is not None:
        on, principal = clock.today(), CONSOLE.principal()
        purpose = f"Kiểm tra của cảnh sát giao thông / traffic check: {data['purpose']}"
        if data["plate"]:
            result = (
                "vehicle",
                licences.lookup_vehicle(
                    session=db.session, principal=principal, plate=data["plate"], on=on, purpose=purpose
                ),
            )
        else:
            result = (
                "licence",
                licences.lookup_licence(
                    session=db.session, principal=principal, number=data["licence"], on=on, purpose=purpose
                ),
            )
    return _page(
        "consoles/officer/traffic.html",
        status=200 if data is not None else 422,
        query="",
        found=[],
        lookup=result,
        errors=errors,
        form=request.args,
    )


def _record_form(violation: catalogue.Violation | None, *, form, errors: FormErrors, status: int = 200):
    principal = CONSOLE.principal()
    now = clock.now().astimezone(clock.VIETNAM_TZ)
    defaults = {
        "violation_code": violation.code if violation else "",
        "detected_by": "officer",
        "occurred_date": now.strftime("%Y-%m-%d"),
        "occurred_time": now.strftime("%H:%M"),
        "ward_code": principal.scope_code if len(principal.scope_code or "") == 5 else "",
        "idempotency_key": uuid.uuid4().hex,
    }
    values = {**defaults, **{k: v for k, v in form.items() if k != "csrf_token"}}
    return _page("consoles/officer/record.html", status, violation=violation, form=values, errors=errors)


@bp.get("/record")
@signed_in(OFFICER)
def record_form():
    violation = catalogue.in_force(request.args.get("code", "")[:30], clock.today())
    return _record_form(violation, form={}, errors=FormErrors())


def _occurred_at(form) -> str:
    """The date and time fields, in Vietnam's time (what the officer's watch says), as one ISO moment."""
    day, time = form.get("occurred_date", "").strip(), form.get("occurred_time", "").strip()
    if not day or not time:
        return ""
    try:
        moment = datetime.fromisoformat(f"{day}T{time}")
    except ValueError:
        return "not-a-time"
    return moment.replace(tzinfo=clock.VIETNAM_TZ).isoformat()


@bp.post("/record")
@signed_in(OFFICER)
def record():
    violation = catalogue.find(request.form.get("violation_code", "").strip()[:30])
    key = request.form.get("idempotency_key", "")
    fields = {name: request.form.get(name, "") for name in RECORD_FIELDS}
    fields["occurred_at"] = _occurred_at(request.form)
    # The schema takes the fine as a number (strict, like the JSON API); officers type "1.000.000".
    amount = fields["fine_amount"].replace(".", "").replace(" ", "")
    fields["fine_amount"] = int(amount) if amount.isdigit() and len(amount) <= 12 else fields["fine_amount"]
    data, errors = load_form(PenaltyCreateSchema(), fields, fields=RECORD_FIELDS)
    try:
        IDEMPOTENCY_KEY(key)
    except ma.ValidationError:
        errors.add("_schema", "The form has expired; reload the page and try again.")
        data = None
    if data is not None:
        try:
            decision = service.record_penalty(
                session=db.session, principal=CONSOLE.principal(), data=data, idempotency_key=key
            )
        except ValidationFailed as refused:
            errors = errors_from_domain(refused)
        else:
            return redirect(url_for(".penalty", number=decision.number, recorded=1))
    return _record_form(violation, form=request.form, errors=errors, status=422)


@bp.get("/penalties/<string:number>")
@signed_in(OFFICER)
def penalty(number: str):
    decision = service.get_decision(session=db.session, principal=CONSOLE.principal(), number=number[:30])
    today = clock.today()
    due = service.amount_due(decision, today) if decision.status == "unpaid" else None
    return _page(
        "consoles/officer/penalty.html",
        decision=decision,
        violation=catalogue.find(decision.violation_code),
        due=due,
        recorded=request.args.get("recorded") == "1",
    )
