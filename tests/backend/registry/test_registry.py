"""Registry behaviour through the API: own record, officers' look-ups and searches, birth registration."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEvent

PURPOSE = "purpose=residence+application+review"


def _officer(factory, auth_headers, scope="00088"):
    return auth_headers(factory.staff("officer", scope))


@pytest.mark.parametrize(
    ("day", "address"),
    [
        # Before the 1/7/2025 reorganisation: ward, district, province.
        (datetime(2025, 6, 30, 12, tzinfo=UTC), "Số 5 Phố Huế, Phường Hàng Bài, Quận Hoàn Kiếm, Thành phố Hà Nội"),
        # From it: Hàng Bài is part of Phường Cửa Nam, and there is no district level.
        (datetime(2025, 7, 1, 12, tzinfo=UTC), "Số 5 Phố Huế, Phường Cửa Nam, Thành phố Hà Nội"),
    ],
)
def test_own_record_has_addresses_household_and_holdings(client, factory, auth_headers, app, monkeypatch, day, address):
    monkeypatch.setitem(app.config, "CLOCK", lambda: day)
    citizen = factory.citizen(full_name="Nguyễn Văn An")
    factory.holdings(citizen)
    body = client.get("/api/v1/citizens/me", headers=auth_headers(factory.account(citizen))).json
    assert body["permanent_address"]["full_text"] == address
    assert body["permanent_address"]["ward_code"] == "00088"  # the registry keeps the code it recorded
    assert body["vehicles"][0]["kind"] == "motorbike"
    assert body["driving_licences"][0]["points"] == 12
    assert body["health_insurance_cards"][0]["benefit_level"] == 4


def test_search_is_accent_and_case_insensitive(client, factory, auth_headers):
    factory.citizen(full_name="Nguyễn Văn An")
    factory.citizen(full_name="Nguyễn Văn Ấn", date_of_birth=date(1991, 5, 5))
    factory.citizen(full_name="Trần Văn An")
    headers = _officer(factory, auth_headers)
    names = {r["full_name"] for r in client.get(f"/api/v1/citizens?name=nguyen+van+an&{PURPOSE}", headers=headers).json}
    assert names == {"Nguyễn Văn An", "Nguyễn Văn Ấn"}
    upper = client.get(f"/api/v1/citizens?name=NGUYỄN+VĂN&date_of_birth=1991-05-05&{PURPOSE}", headers=headers).json
    assert [r["full_name"] for r in upper] == ["Nguyễn Văn Ấn"]


def test_search_stays_in_the_officers_jurisdiction(client, factory, auth_headers):
    factory.citizen(full_name="Nguyễn Văn An")
    factory.citizen(
        full_name="Nguyễn Văn An",
        ward_code="26740",
        province_code="79",
        birth_province="079",
        date_of_birth=date(1992, 1, 1),
    )
    hanoi = client.get(f"/api/v1/citizens?name=nguyen+van+an&{PURPOSE}", headers=_officer(factory, auth_headers, "01"))
    assert [r["date_of_birth"] for r in hanoi.json] == ["1990-01-01"]


def test_search_wildcards_are_literal(client, factory, auth_headers):
    factory.citizen(full_name="Nguyễn Văn An")
    response = client.get(f"/api/v1/citizens?name=%25%25%25&{PURPOSE}", headers=_officer(factory, auth_headers))
    assert response.status_code == 422 or response.json == []


def test_officer_read_requires_a_purpose(client, factory, auth_headers):
    citizen = factory.citizen()
    response = client.get(f"/api/v1/citizens/{citizen.personal_id}", headers=_officer(factory, auth_headers))
    assert response.status_code == 422
    assert "purpose" in response.json["errors"]["query"]


def test_unknown_number_is_404_for_officers(client, factory, auth_headers):
    response = client.get(f"/api/v1/citizens/001090999999?{PURPOSE}", headers=_officer(factory, auth_headers))
    assert response.status_code == 404


def test_citizen_never_learns_whether_another_number_exists(client, factory, auth_headers):
    me = factory.citizen()
    other = factory.citizen(full_name="Lê Văn Bình")
    headers = auth_headers(factory.account(me))
    existing = client.get(f"/api/v1/citizens/{other.personal_id}?{PURPOSE}", headers=headers)
    missing = client.get(f"/api/v1/citizens/001090999999?{PURPOSE}", headers=headers)
    assert existing.status_code == missing.status_code == 403
    assert existing.json["detail"] == missing.json["detail"]


def _birth(**overrides):
    body = {
        "personal_id": "001225000777",
        "full_name": "Phạm Minh Khôi",
        "date_of_birth": "2025-03-04",
        "sex": "male",
        "permanent_ward_code": "00088",
        "permanent_street": "Số 9 Phố Huế",
        "purpose": "birth registration",
    }
    body.update(overrides)
    return body


def test_officer_registers_a_birth_and_it_is_audited(client, factory, auth_headers, session):
    response = client.post("/api/v1/citizens", json=_birth(), headers=_officer(factory, auth_headers))
    assert response.status_code == 201, response.json
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "create")).all()
    assert [e.purpose for e in events] == ["birth registration"]


def test_id_number_that_contradicts_sex_is_refused_with_the_reason(client, factory, auth_headers):
    response = client.post("/api/v1/citizens", json=_birth(sex="female"), headers=_officer(factory, auth_headers))
    assert response.status_code == 422
    assert "Digit 4" in response.json["errors"]["json"]["personal_id"][0]


def test_id_number_that_contradicts_birth_year_is_refused_with_the_reason(client, factory, auth_headers):
    response = client.post(
        "/api/v1/citizens", json=_birth(date_of_birth="2024-03-04"), headers=_officer(factory, auth_headers)
    )
    assert response.status_code == 422
    assert "Digits 5-6" in response.json["detail"]


def test_birth_registration_validation(client, factory, auth_headers):
    headers = _officer(factory, auth_headers)
    cases = [
        (_birth(full_name="Ph4m"), "full_name"),
        (_birth(date_of_birth="2999-01-01"), "date_of_birth"),
        (_birth(date_of_birth="04/03/2025"), "date_of_birth"),
        (_birth(personal_id="00122500077"), "personal_id"),
        (_birth(sex="x"), "sex"),
        (_birth(level=2), "level"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/citizens", json=body, headers=headers)
        assert response.status_code == 422, body
        assert field in response.json["errors"]["json"], (field, response.json)


def test_unknown_ward_and_duplicates_and_jurisdiction(client, factory, auth_headers):
    headers = _officer(factory, auth_headers)
    assert client.post("/api/v1/citizens", json=_birth(permanent_ward_code="99999"), headers=headers).status_code == 422
    assert client.post("/api/v1/citizens", json=_birth(), headers=headers).status_code == 201
    assert client.post("/api/v1/citizens", json=_birth(), headers=headers).status_code == 409
    elsewhere = client.post(
        "/api/v1/citizens", json=_birth(personal_id="001225000778", permanent_ward_code="26740"), headers=headers
    )
    assert elsewhere.status_code == 403


def test_administrative_units_tree(client):
    provinces = client.get("/api/v1/administrative-units").json
    assert len(provinces) == 63
    wards = client.get("/api/v1/administrative-units?parent_code=002").json
    assert {"code": "00088", "name": "Phường Hàng Bài", "level": "ward", "parent_code": "002"} in wards
