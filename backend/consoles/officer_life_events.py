"""The officer console's page for a life-event step (khai sinh, khai tử, thường trú ... linked procedures): the
application as the officer's agency may see it (the read audited by the life-event service), its steps, and the
decision on the step waiting for this agency — through chain.decide, as the JSON API's step decision."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from backend.auth.console import CONSOLE, signed_in
from backend.consoles.officer import refused_page
from backend.consoles.officer_forms import errors_from_domain, load_form
from backend.consoles.officer_queues import working_days_left
from backend.core import clock
from backend.core.access import OFFICER
from backend.errors import Conflict, DomainError, NotFound, ValidationFailed
from backend.extensions import db
from backend.life_events import birth, chain, offices
from backend.life_events.models import READY
from shared_schemas.life_events import StepDecisionSchema

bp = Blueprint("officer_life_events", __name__, url_prefix="/console/officer/life-events", template_folder="templates")
bp.register_error_handler(DomainError, refused_page)

DECISIONS = {"approve": ("Phê duyệt bước này", "Approve this step"), "refuse": ("Từ chối", "Refuse")}
STEP_STATUS = {
    "waiting": ("Chờ bước trước", "Waiting for an earlier step"),
    "awaiting_consent": ("Chờ chủ hộ đồng ý", "Awaiting the household head's consent"),
    "ready": ("Chờ xử lý", "Waiting for a decision"),
    "done": ("Đã xong", "Done"),
    "refused": ("Bị từ chối", "Refused"),
    "cancelled": ("Đã hủy", "Cancelled"),
}


def _application_and_step(public_id: str, step_id: int):
    """The application (read audited by the service) and its step named in the URL; both must match."""
    application = chain.get_application(session=db.session, principal=CONSOLE.principal(), public_id=public_id[:32])
    step = next((s for s in application.steps if s.id == step_id), None)
    if step is None:
        raise NotFound("No such step in this application.")
    return application, step


def _page(public_id: str, step_id: int, *, errors=None, form=None, status: int = 200):
    application, step = _application_and_step(public_id, step_id)
    body = render_template(
        "consoles/officer/life_event.html",
        application=application,
        step=step,
        declaration=chain.declaration(application),
        step_name=lambda name: tuple(chain.STEP_NAMES_VI.get(name, f"{name} / {name}").split(" / ", 1)),
        step_status=lambda value: STEP_STATUS.get(value, (value, value)),
        days_left=working_days_left(step.due_on, clock.today()) if step.status == READY else None,
        # Another agency of the chain may read the application, but only the step's own agency decides it.
        can_decide=step.status == READY and offices.office_of(db.session, CONSOLE.principal()) == step.agency,
        decisions=DECISIONS,
        errors=errors,
        form=form or {},
        decided=request.args.get("decided") if request.args.get("decided") in (*DECISIONS, "already") else None,
        local_time=lambda moment: moment.astimezone(clock.VIETNAM_TZ).strftime("%d/%m/%Y %H:%M") if moment else "",
    )
    return body, status


@bp.get("/<string:public_id>/steps/<int:step_id>")
@signed_in(OFFICER)
def step_page(public_id: str, step_id: int):
    return _page(public_id, step_id)


@bp.post("/<string:public_id>/steps/<int:step_id>")
@signed_in(OFFICER)
def step_decision(public_id: str, step_id: int):
    data, errors = load_form(StepDecisionSchema(), request.form, fields=("decision", "reason", "action"))
    if data is not None:
        _application_and_step(public_id, step_id)  # the officer may see it, and the step is this application's
        try:
            chain.decide(
                session=db.session,
                principal=CONSOLE.principal(),
                step_id=step_id,
                decision=data["decision"],
                reason=data.get("reason"),
                action=data.get("action"),
                consent_needed=birth.consent_needed,
            )
        except ValidationFailed as refused:
            errors = errors_from_domain(refused)
        except Conflict:
            return redirect(url_for(".step_page", public_id=public_id, step_id=step_id, decided="already"))
        else:
            return redirect(url_for(".step_page", public_id=public_id, step_id=step_id, decided=data["decision"]))
    return _page(public_id, step_id, errors=errors, form=request.form, status=422)
