"""Accommodation notices from businesses (issue 12): only the account that operates a registered establishment
sends notices for it; the ward police (or an administrator) register establishments in their own jurisdiction;
a free-text establishment name is no longer accepted; the operator sees the registration in their access log."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.database import utcnow
from shared_schemas.clock import VIETNAM_TZ

PATH = "/api/v1/residence/accommodation-establishments"
NOTICES = "/api/v1/residence/accommodation-notices"


def _hotel(people, **overrides):
    return {
        "name": "Khách sạn Bến Nghé",
        "licence_number": "0312345678",
        "ward_code": "26740",
        "street": "Số 9 Đường Hàm Nghi",
        "operator_personal_id": people["owner"].personal_id,
        **overrides,
    }


def _guests(people):
    now_vn = utcnow().astimezone(VIETNAM_TZ)
    return [
        {
            "personal_id": people["stranger"].personal_id,
            "full_name": "Lê Văn Đức",
            "arrival_at": now_vn.isoformat(),
            "departure_on": (now_vn.date() + timedelta(days=1)).isoformat(),
        }
    ]


def test_operator_sends_notices_for_their_establishment_and_no_one_else_does(api, people, session):
    hotel = api("officer", "POST", PATH, json=_hotel(people))
    assert hotel.status_code == 201, hotel.json
    notice = {"establishment_id": hotel.json["id"], "reason": "Du lịch", "guests": _guests(people)}
    sent = api("owner", "POST", NOTICES, json=notice)
    assert sent.status_code == 201, sent.json
    assert sent.json[0]["establishment_name"] == "Khách sạn Bến Nghé" and sent.json[0]["ward_code"] == "26740"
    assert sent.json[0]["establishment_id"] == hotel.json["id"]
    # The attack: another citizen files notices in the hotel's name (or for any business, anywhere).
    refused = api("applicant", "POST", NOTICES, json=notice)
    assert refused.status_code == 403 and refused.json["code"] == "forbidden"
    assert api("applicant", "POST", NOTICES, json={**notice, "establishment_id": 999_999}).status_code == 404
    free_text = {
        "establishment_name": "Khách sạn Ma",
        "ward_code": "26740",
        "street": "Số 1 Đường Bất Kỳ",
        "reason": "Du lịch",
        "guests": _guests(people),
    }
    assert api("applicant", "POST", NOTICES, json=free_text).status_code == 422
    # The address is the establishment's: a street sent along is not accepted in its place.
    assert api("owner", "POST", NOTICES, json={**notice, "street": "Số 1 Nơi Khác"}).status_code == 201
    stored = api("officer", "GET", f"{NOTICES}?purpose=overnight+stays").json
    assert {n["street"] for n in stored} == {"Số 9 Đường Hàm Nghi"}
    assert [e["name"] for e in api("owner", "GET", PATH).json] == ["Khách sạn Bến Nghé"]
    assert api("applicant", "GET", PATH).json == []
    logged = session.scalar(
        sa.select(AuditEvent.actor_role).where(
            AuditEvent.subject_citizen_id == people["owner"].id, AuditEvent.record_type == "accommodation-establishment"
        )
    )
    assert logged == "officer"


def test_registration_is_for_officers_of_the_ward_and_operators_with_checked_identity(api, people, factory, client):
    assert api("officer_elsewhere", "POST", PATH, json=_hotel(people)).status_code == 403  # another ward
    assert api("officer_province", "POST", PATH, json=_hotel(people)).status_code == 201  # its province covers it
    assert api("officer", "POST", PATH, json=_hotel(people)).status_code == 409  # same licence number
    assert api("applicant", "POST", PATH, json=_hotel(people, licence_number="0399999999")).status_code == 403
    level_one = factory.account(factory.citizen(full_name="Phạm Văn Một"), level=1)
    refused = api(
        "officer",
        "POST",
        PATH,
        json=_hotel(people, licence_number="0311111111", operator_personal_id=level_one.username),
    )
    assert refused.status_code == 422 and "operator_personal_id" in str(refused.json["errors"])
    nobody = api(
        "officer", "POST", PATH, json=_hotel(people, licence_number="0322222222", operator_personal_id="001090999999")
    )
    assert nobody.status_code == 422


def test_household_notices_still_need_the_senders_own_home(api, people):
    home = {"ward_code": "00088", "street": "Số 5 Phố Huế", "reason": "Thăm gia đình", "guests": _guests(people)}
    assert api("applicant", "POST", NOTICES, json=home).status_code == 201
    assert api("applicant", "POST", NOTICES, json={**home, "street": "Số 7 Phố Khác"}).status_code == 422
    assert api("applicant", "POST", NOTICES, json={"reason": "x y", "guests": _guests(people)}).status_code == 422
