"""Shape health objects for the API schemas (dicts keyed like shared_schemas.health)."""

from __future__ import annotations

from backend.consent.models import ConsentReceipt
from backend.core import clock
from backend.health.checkin import CheckinResult
from backend.health.models import Department, QueueTicket
from backend.health.tickets import TicketResult
from shared_schemas.text import mask_name, mask_personal_id


def mask_card(card_number: str) -> str:
    return card_number[:5] + "*" * (len(card_number) - 8) + card_number[-3:]


def department(value: Department, open_now: bool | None = None) -> dict:
    data = {k: getattr(value, k) for k in ("code", "name", "name_en", "location")}
    if open_now is not None:
        data.update({k: getattr(value, k) for k in ("opens_at", "closes_at", "open_weekdays")}, open_now=open_now)
    return data


def consent(value: ConsentReceipt) -> dict:
    now = clock.now()
    return {
        "id": value.public_id,
        "recipient_code": value.recipient_code,
        "recipient_name": value.recipient_name,
        "data_categories": value.data_categories.split(","),
        "purpose": value.purpose,
        "collected_via": value.collected_via,
        "granted_at": value.granted_at,
        "valid_until": value.valid_until,
        "revoked_at": value.revoked_at,
        "active": value.revoked_at is None and value.valid_until > now,
    }


def checkin(value: CheckinResult) -> dict:
    c, card, result = value.citizen, value.card, value.result
    return {
        "id": value.checkin.public_id,
        "hospital": value.hospital,
        "method": value.checkin.method,
        "identified_at": value.checkin.identified_at,
        "expires_at": value.checkin.expires_at,
        "patient": {
            "full_name": c.full_name,
            "personal_id_masked": mask_personal_id(c.personal_id),
            "date_of_birth": c.date_of_birth,
            "sex": c.sex,
        },
        "insurance": {
            "status": result.status,
            "card_number_masked": mask_card(card.card_number) if card else None,
            "valid_to": result.valid_to,
            "benefit_level": card.benefit_level if card else None,
            "primary_care_facility_name": card.primary_care_facility_name if card else None,
            "in_route": result.in_route,
            "route_reason": result.route_reason,
            "coverage_percent": result.coverage_percent,
            "low_cost_threshold_dong": result.low_cost_threshold_dong,
            "message_vi": result.message_vi,
            "message_en": result.message_en,
        },
        "consent": consent(value.consent) if value.consent else None,
        "trust_level": value.checkin.trust_level,
    }


def ticket(value: TicketResult) -> dict:
    t = value.ticket
    return {
        "id": t.public_id,
        "number": t.number,
        "department": department(t.department),
        "service_date": t.service_date,
        "issued_at": t.issued_at,
        "status": t.status,
        "provisional": t.provisional,
        "existing": value.existing,
        "waiting_ahead": value.waiting_ahead,
        "patient_name_masked": mask_name(value.patient_name),
        "payment": t.payment,
        "insurance_message_vi": value.coverage_message_vi,
        "insurance_message_en": value.coverage_message_en,
    }


def queue_entry(t: QueueTicket, full_name: str | None) -> dict:
    return {
        "id": t.public_id,
        "number": t.number,
        "status": t.status,
        "provisional": t.provisional,
        "issued_at": t.issued_at,
        "called_at": t.called_at,
        "patient_name_masked": mask_name(full_name) if full_name else None,
        "in_route": t.checkin.in_route,
        "coverage_percent": t.checkin.coverage_percent,
        "trust_level": t.checkin.trust_level,
        "payment": t.payment,
    }
