"""Shape registry objects for the API schemas (dicts keyed like shared_schemas.registry)."""

from __future__ import annotations

from dataclasses import asdict

from backend.registry.service import Address, CitizenRecord


def address(value: Address | None) -> dict | None:
    if value is None:
        return None
    return {**asdict(value), "full_text": value.full_text}


def citizen_record(record: CitizenRecord) -> dict:
    c = record.citizen
    household = None
    if record.household is not None:
        household = {
            "household_number": record.household.household_number,
            "members": [
                {"full_name": m.full_name, "relation_to_head": m.relation_to_head, "date_of_birth": m.date_of_birth}
                for m in record.household.members
            ],
        }
    return {
        "personal_id": c.personal_id,
        "full_name": c.full_name,
        "date_of_birth": c.date_of_birth,
        "sex": c.sex,
        "old_id_number": c.old_id_number,
        "ethnicity": c.ethnicity,
        "religion": c.religion,
        "nationality": c.nationality,
        "place_of_origin": c.place_of_origin,
        "permanent_address": address(record.permanent_address),
        "temporary_address": address(record.temporary_address),
        "temporary_until": c.temporary_until,
        "relation_to_head": c.relation_to_head,
        "household": household,
        "deceased_on": c.deceased_on,
        "vehicles": record.vehicles,
        "driving_licences": record.driving_licences,
        "health_insurance_cards": record.health_insurance_cards,
    }
