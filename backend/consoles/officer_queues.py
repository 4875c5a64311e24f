"""The officer's work queues as the console shows them: residence applications, life-event steps and
criminal-record requests in the officer's jurisdiction, each with its legal deadline counted down in working days
(the law module's calendar of holidays and worked Saturdays), overdue first, then the nearest deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy.orm import Session

from backend.core import clock
from backend.core.access import Principal
from backend.errors import Forbidden
from backend.judicial import service as judicial
from backend.life_events import chain
from backend.registry.service import resolve_address
from backend.residence import service as residence
from backend.residence.working_days import CalendarNotCovered, working_days_between

KINDS = {
    "registration": ("Đăng ký tạm trú", "Temporary residence"),
    "extension": ("Gia hạn tạm trú", "Residence extension"),
}


@dataclass(frozen=True)
class QueueRow:
    ref: str
    what_vi: str
    what_en: str
    who: str  # the applicant's name, or "" where the queue shows none
    place: str
    received: datetime | date | None
    due_on: date | None
    days_left: int | None  # working days to the deadline; negative: overdue by that many
    url: str | None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def working_days_left(due_on: date | None, today: date) -> int | None:
    """Working days from today to the deadline (0: due today); negative once it has passed; None when the
    law module has no calendar for those years."""
    if due_on is None:
        return None
    try:
        if due_on >= today:
            return working_days_between(today, due_on)
        return -working_days_between(due_on, today)
    except CalendarNotCovered:
        return None


def _ordered(rows: list[QueueRow]) -> list[QueueRow]:
    return sorted(rows, key=lambda r: (not r.overdue, r.due_on or date.max, str(r.received or ""), r.ref))


def residence_rows(session: Session, principal: Principal, now: datetime) -> list[QueueRow]:
    today = clock.local_date(now)
    rows = []
    for application, applicant in residence.work_queue(session=session, principal=principal, now=now):
        vi, en = KINDS.get(application.kind, (application.kind, application.kind))
        rows.append(
            QueueRow(
                ref=str(application.id),
                what_vi=vi,
                what_en=en,
                who=applicant.full_name,
                place=resolve_address(session, application.ward_code, application.street, on=today).full_text,
                received=application.received_at,
                due_on=application.due_on,
                days_left=working_days_left(application.due_on, today),
                url=url_for("officer.residence_application", application_id=application.id),
            )
        )
    return _ordered(rows)


def life_event_rows(session: Session, principal: Principal, now: datetime) -> list[QueueRow]:
    today = clock.local_date(now)
    try:
        steps = chain.queue(session=session, principal=principal)
    except Forbidden:
        return []
    rows = []
    for step in steps:
        vi, _, en = chain.STEP_NAMES_VI.get(step.step, f"{step.step} / {step.step}").partition(" / ")
        rows.append(
            QueueRow(
                ref=step.application.public_id,
                what_vi=vi,
                what_en=en or vi,
                who="",
                place=resolve_address(session, step.ward_code, "", on=today).full_text,
                received=step.ready_at,
                due_on=step.due_on,
                days_left=working_days_left(step.due_on, today),
                url=url_for("officer_life_events.step_page", public_id=step.application.public_id, step_id=step.id),
            )
        )
    return _ordered(rows)


def judicial_rows(session: Session, principal: Principal, now: datetime) -> list[QueueRow]:
    today = clock.local_date(now)
    found = judicial.queue(session=session, principal=principal)  # audited there: the queue names the subjects
    rows = [
        QueueRow(
            ref=entry.request.number,
            what_vi=f"Phiếu lý lịch tư pháp số {entry.request.certificate_type}",
            what_en=f"Criminal-record certificate no. {entry.request.certificate_type}",
            who=entry.subject_name,
            place="",
            received=entry.request.paid_at,
            due_on=entry.request.due_on,
            days_left=working_days_left(entry.request.due_on, today),
            url=None,
        )
        for entry in found
    ]
    return _ordered(rows)
