"""The officer console (OFFICER role, within the officer's jurisdiction): the work queues, a residence
application's page with the registry facts the officer may see (each read audited, so the citizen sees it in
their access log), its attachments and history, and the decision — through the same residence service functions
the JSON API calls. Traffic pages are in officer_traffic.py."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from backend.auth.console import CONSOLE, register_console, signed_in
from backend.consoles.officer_forms import errors_from_domain, load_form
from backend.consoles.officer_queues import judicial_rows, life_event_rows, residence_rows, working_days_left
from backend.core import clock
from backend.core.access import OFFICER
from backend.errors import Conflict, DomainError, ValidationFailed
from backend.extensions import db
from backend.registry.service import resolve_address
from backend.residence import service as residence
from backend.residence.models import UNDER_REVIEW
from shared_schemas.residence import ResidenceDecisionSchema

bp = Blueprint("officer", __name__, url_prefix="/console/officer", template_folder="templates")

register_console("officer.queue", (OFFICER,), "Hồ sơ chờ xử lý", "Work queue")

STATUS = {
    "awaiting_parent_consent": ("Chờ cha mẹ đồng ý", "Awaiting parental consent"),
    "awaiting_owner_consent": ("Chờ chủ nhà đồng ý", "Awaiting the owner's consent"),
    "under_review": ("Đang xem xét", "Under review"),
    "needs_information": ("Cần bổ sung", "Needs more information"),
    "approved": ("Đã phê duyệt", "Approved"),
    "rejected": ("Đã từ chối", "Rejected"),
    "withdrawn": ("Đã rút", "Withdrawn"),
    "submitted": ("Đã nộp", "Submitted"),
}
DECISIONS = {
    "approve": ("Phê duyệt", "Approve"),
    "request_information": ("Yêu cầu bổ sung", "Request more information"),
    "reject": ("Từ chối", "Refuse"),
}
LEGAL_BASIS = {
    "owner": ("Chủ sở hữu chỗ ở", "The owner's home"),
    "tenancy": ("Thuê nhà", "Rented"),
    "lending": ("Mượn, ở nhờ", "Lent"),
    "relative": ("Nhà người thân", "A relative's home"),
}
REVIEW_PURPOSE = "Xem xét hồ sơ tạm trú / temporary-residence application review"
ERROR_TITLES = {
    403: ("Hồ sơ này ngoài địa bàn của bạn", "This record is outside your jurisdiction"),
    404: ("Không tìm thấy", "Not found"),
    409: ("Không thực hiện được", "This cannot be done now"),
}


@bp.errorhandler(DomainError)
def refused_page(error: DomainError):
    """A refusal on a console page is a page too (the API's problem+json is for programs); it names no data."""
    vi, en = ERROR_TITLES.get(error.status, ("Yêu cầu không hợp lệ", "The request is not valid"))
    return render_template("consoles/officer/refused.html", title_vi=vi, title_en=en, detail=error.detail), error.status


def _helpers() -> dict:
    return {
        "status_label": lambda status: STATUS.get(status, (status, status)),
        "local_time": lambda moment: moment.astimezone(clock.VIETNAM_TZ).strftime("%d/%m/%Y %H:%M") if moment else "",
    }


@bp.get("/")
@signed_in(OFFICER)
def queue():
    principal, now = CONSOLE.principal(), clock.now()
    sections = [
        ("residence", "Cư trú", "Residence", residence_rows(db.session, principal, now)),
        (
            "life-events",
            "Liên thông khai sinh, khai tử, thường trú",
            "Linked life events",
            life_event_rows(db.session, principal, now),
        ),
        ("judicial", "Lý lịch tư pháp", "Criminal records", judicial_rows(db.session, principal, now)),
    ]
    return render_template("consoles/officer/queue.html", sections=sections, today=clock.local_date(now), **_helpers())


def _application_page(application_id: int, *, errors=None, form=None, status: int = 200):
    principal, now = CONSOLE.principal(), clock.now()
    today = clock.local_date(now)
    application = residence.get_application(session=db.session, principal=principal, application_id=application_id)
    applicant, history = residence.applicant_residence(
        session=db.session, principal=principal, application_id=application_id, purpose=REVIEW_PURPOSE
    )

    def address(ward_code, street):
        return resolve_address(db.session, ward_code, street or "", on=today).full_text if ward_code else ""

    body = render_template(
        "consoles/officer/residence.html",
        application=application,
        applicant=applicant,
        history=history,
        address=address,
        kind=("Đăng ký tạm trú", "Temporary residence")
        if application.kind == "registration"
        else ("Gia hạn tạm trú", "Residence extension"),
        basis=LEGAL_BASIS.get(application.legal_basis, (application.legal_basis, application.legal_basis)),
        days_left=working_days_left(application.due_on, today) if application.status == UNDER_REVIEW else None,
        decisions=DECISIONS,
        can_decide=application.status == UNDER_REVIEW,
        errors=errors,
        form=form or {},
        decided=request.args.get("decided") if request.args.get("decided") in (*DECISIONS, "already") else None,
        **_helpers(),
    )
    return body, status


@bp.get("/residence/<int:application_id>")
@signed_in(OFFICER)
def residence_application(application_id: int):
    return _application_page(application_id)


@bp.post("/residence/<int:application_id>/decision")
@signed_in(OFFICER)
def residence_decision(application_id: int):
    """POST-redirect-GET. A second click after the decision meets the application no longer under review and
    says so, rather than deciding twice."""
    data, errors = load_form(ResidenceDecisionSchema(), request.form, fields=("decision", "reason"))
    if data is not None:
        try:
            residence.decide(
                session=db.session,
                principal=CONSOLE.principal(),
                application_id=application_id,
                decision=data["decision"],
                reason=data.get("reason"),
            )
        except ValidationFailed as refused:
            errors = errors_from_domain(refused)
        except Conflict:
            return redirect(url_for(".residence_application", application_id=application_id, decided="already"))
        else:
            return redirect(url_for(".residence_application", application_id=application_id, decided=data["decision"]))
    return _application_page(application_id, errors=errors, form=request.form, status=422)
