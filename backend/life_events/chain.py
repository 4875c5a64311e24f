"""The linked procedure (thủ tục liên thông): one application split into steps, each in its agency's work queue
with that step's legal deadline; a decided step hands its result to the next; every change is recorded, and the
recorded events are the citizen's timeline and the chain's processing-time figures."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.errors import Forbidden, NotFound, ValidationFailed
from backend.law import store as law
from backend.life_events import offices
from backend.life_events.errors import StepNotReady
from backend.life_events.models import (
    AWAITING_CONSENT,
    CANCELLED,
    DONE,
    PERMANENT_RESIDENCE,
    READY,
    REFUSED,
    WAITING,
    LifeEventApplication,
    LifeEventLog,
    LifeEventStep,
)
from backend.notifications.service import notify
from backend.registry import units
from backend.registry.models import Household
from backend.residence.working_days import add_working_days
from shared_schemas.text import nfc

# A step's handler does the step's work when it is approved and returns (result_ref, document_id).
Handler = Callable[..., tuple[str | None, str | None]]
_handlers: dict[str, Handler] = {}


def handles(step: str):
    def register(handler: Handler) -> Handler:
        _handlers[step] = handler
        return handler

    return register


def declaration(application: LifeEventApplication) -> dict:
    return json.loads(application.declaration_json)


def set_declaration(application: LifeEventApplication, values: dict) -> None:
    application.declaration_json = json.dumps(values, ensure_ascii=False, sort_keys=True)


STEP_NAMES_VI = {
    "birth_registration": "Đăng ký khai sinh / birth registration",
    "permanent_residence": "Đăng ký thường trú / permanent residence",
    "health_insurance": "Cấp thẻ BHYT / health-insurance card",
    "death_registration": "Đăng ký khai tử / death registration",
    "residence_deregistration": "Xóa đăng ký thường trú / residence deregistration",
    "burial_allowance": "Trợ cấp mai táng / burial allowance",
}
_TOLD = {
    DONE: "đã xong / done",
    REFUSED: "bị từ chối / refused",
    "completed": "hoàn thành / completed",
    "revoked": "đã hủy / revoked",
}


def log(
    session: Session,
    application: LifeEventApplication,
    status: str,
    *,
    step: str | None = None,
    actor: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> None:
    """Record the change; the applicant is told of every decision in their inbox."""
    application.events.append(
        LifeEventLog(
            step=step,
            status=status,
            occurred_at=at or clock.now(),
            actor_account_id=actor,
            note=(note or None) and note[:300],
        )
    )
    if status in _TOLD:
        what = STEP_NAMES_VI.get(step, "Hồ sơ liên thông / linked application")
        notify(
            session=session,
            citizen_id=application.applicant_citizen_id,
            kind="life-event",
            title=f"{what}: {_TOLD[status]}",
            body=note or "",
            ref=f"life-event:{application.public_id}",
        )


def new_step(
    application: LifeEventApplication, position: int, step: str, agency: str, ward_code: str, province_code: str
) -> LifeEventStep:
    row = LifeEventStep(
        position=position, step=step, agency=agency, ward_code=ward_code, province_code=province_code, status=WAITING
    )
    application.steps.append(row)
    return row


def make_ready(session: Session, step: LifeEventStep, *, actor: int | None = None) -> None:
    """The step reaches its agency's queue: its legal deadline runs from today (the day itself not counted)."""
    today = clock.today()
    step.status, step.ready_at = READY, clock.now()
    days = (
        law.value("residence.permanent_processing_working_days", today)
        if step.step == PERMANENT_RESIDENCE
        else law.value("linked.step_working_days", today)[step.step]
    )
    step.due_on = add_working_days(today, days)
    log(
        session, step.application, READY, step=step.step, actor=actor, note=f"hạn xử lý / due {step.due_on.isoformat()}"
    )


def advance(
    session: Session,
    application: LifeEventApplication,
    *,
    actor: int | None,
    consent_needed: Callable[[LifeEventStep], bool] = lambda step: False,
) -> None:
    """Put the first waiting step in its queue (or in wait for consent); complete the application at the end."""
    for step in application.steps:
        if step.status in (READY, AWAITING_CONSENT, REFUSED):
            return
        if step.status == WAITING:
            if consent_needed(step):
                step.status = AWAITING_CONSENT
                log(
                    session,
                    application,
                    AWAITING_CONSENT,
                    step=step.step,
                    actor=actor,
                    note="chờ chủ hộ đồng ý / waiting for the head of household's consent",
                )
                household = session.get(Household, declaration(application)["household_id"])
                notify(
                    session=session,
                    citizen_id=household.head_citizen_id,
                    kind="life-event-consent",
                    title="Đề nghị chủ hộ đồng ý đăng ký thường trú / the head of household's consent is asked",
                    body=f"Hồ sơ {application.public_id}: đăng ký thường trú vào hộ {household.household_number}.",
                    ref=f"life-event:{application.public_id}",
                )
            else:
                make_ready(session, step, actor=actor)
            return
    application.status, application.completed_at = "completed", clock.now()
    log(session, application, "completed", actor=actor)


def get_step(session: Session, step_id: int) -> LifeEventStep:
    step = session.get(LifeEventStep, step_id)
    if step is None:
        raise NotFound("No such step.")
    return step


def decide(
    *,
    session: Session,
    principal: Principal,
    step_id: int,
    decision: str,
    reason: str | None = None,
    action: str | None = None,
    consent_needed: Callable[[LifeEventStep], bool] = lambda s: False,
) -> LifeEventStep:
    """An officer of the step's agency, covering its commune, approves or refuses it. The step's row is locked
    while it is read (PostgreSQL; SQLite serialises writers): of two officers deciding at once, one wins and the
    other is told, and the step's work is done once."""
    step = get_step(session, step_id)
    today = clock.today()
    offices.require(session, principal, step.agency, (step.ward_code, step.province_code), today)
    if decision == "refuse" and not (reason and action):
        raise ValidationFailed(
            "A refusal says why and what the citizen can do.",
            errors={"json": {"reason": ["Required to refuse."], "action": ["Required to refuse."]}},
        )
    session.refresh(step, with_for_update=True)
    if step.status != READY:
        raise StepNotReady(
            f"This step is {step.status}, not waiting for a decision (another officer may have "
            "decided it just now); reload the queue."
        )
    step.status = DONE if decision == "approve" else REFUSED
    step.decided_at, step.decided_by_account_id = clock.now(), principal.account_id
    application = step.application
    if decision == "refuse":
        step.refusal_reason, step.refusal_action = nfc(reason)[:300], nfc(action)[:300]
        refuse_rest(session, application, step, actor=principal.account_id)
    else:
        step.result_ref, step.document_id = _handlers[step.step](
            session=session, principal=principal, step=step, application=application
        )
        log(session, application, DONE, step=step.step, actor=principal.account_id, note=step.result_ref)
        advance(session, application, actor=principal.account_id, consent_needed=consent_needed)
    session.flush()
    return step


def refuse_rest(session: Session, application: LifeEventApplication, step: LifeEventStep, *, actor: int | None) -> None:
    """A refused step ends the application: later steps are cancelled, and the refusal says why and what to do."""
    log(
        session,
        application,
        REFUSED,
        step=step.step,
        actor=actor,
        note=f"{step.refusal_reason} — {step.refusal_action}",
    )
    for later in application.steps:
        if later.position > step.position and later.status in (WAITING, AWAITING_CONSENT, READY):
            later.status = CANCELLED
    application.status = "refused"


def queue(*, session: Session, principal: Principal) -> list[LifeEventStep]:
    """Steps waiting for the caller's agency in the caller's jurisdiction, oldest deadline first."""
    office = offices.office_of(session, principal)
    if office is None:
        raise Forbidden("Only officers have a work queue.")
    today = clock.today()
    steps = session.scalars(
        sa.select(LifeEventStep)
        .where(LifeEventStep.agency == office, LifeEventStep.status == READY)
        .order_by(LifeEventStep.due_on, LifeEventStep.id)
    )
    return [s for s in steps if units.officer_covers(principal, s.ward_code, s.province_code, on=today)]


def get_application(*, session: Session, principal: Principal, public_id: str) -> LifeEventApplication:
    """The applicant sees their application; an officer of one of its agencies covering its commune too (audited)."""
    application = session.scalar(sa.select(LifeEventApplication).where(LifeEventApplication.public_id == public_id))
    if application is None:
        raise NotFound("No such application.")
    if principal.role == CITIZEN and principal.citizen_id == application.applicant_citizen_id:
        return application
    household_id = declaration(application).get("household_id")
    household = session.get(Household, household_id) if household_id and principal.role == CITIZEN else None
    if household is not None and household.head_citizen_id == principal.citizen_id:
        # The head of household is asked to consent: they see what they consent to, and the applicant sees that.
        record_access(
            session=session,
            principal=principal,
            subject_citizen_ids=[application.applicant_citizen_id],
            action="read",
            record_type="life-event-application",
            record_ref=application.public_id,
            purpose="chủ hộ xem hồ sơ để đồng ý / head of household's consent",
        )
        return application
    if principal.role == OFFICER:
        office, today = offices.office_of(session, principal), clock.today()
        if any(
            s.agency == office and units.officer_covers(principal, s.ward_code, s.province_code, on=today)
            for s in application.steps
        ):
            subjects = [application.applicant_citizen_id] + (
                [application.subject_citizen_id] if application.subject_citizen_id else []
            )
            record_access(
                session=session,
                principal=principal,
                subject_citizen_ids=subjects,
                action="read",
                record_type="life-event-application",
                record_ref=application.public_id,
                purpose="xử lý hồ sơ liên thông / linked procedure",
            )
            return application
        raise Forbidden("This application has no step for your agency in your jurisdiction.")
    raise NotFound("No such application.")


def list_own(*, session: Session, principal: Principal) -> list[LifeEventApplication]:
    if principal.role != CITIZEN:
        raise Forbidden("Only citizens have applications.")
    return list(
        session.scalars(
            sa.select(LifeEventApplication)
            .where(LifeEventApplication.applicant_citizen_id == principal.citizen_id)
            .order_by(LifeEventApplication.submitted_at.desc())
        )
    )


def is_late(event_on: date, days_param: str, on: date) -> bool:
    return (on - event_on).days > law.value(days_param, event_on)
