"""The own record in full (household members, several holdings of a kind, a temporary address, nothing held) and
in one SQL statement once the token's state is cached."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.registry.models import Household, Vehicle


def test_record_lists_come_back_complete_and_in_registry_order(client, factory, auth_headers, session):
    household = Household(household_number="HN-TEST-1", ward_code="00088", street_address="Số 5 Phố Huế")
    session.add(household)
    session.flush()
    head = factory.citizen(full_name="Lê Văn Hùng", household_id=household.id, relation_to_head="Chủ hộ")
    child = factory.citizen(
        full_name="Lê Thị Mai",
        sex="female",
        date_of_birth=date(2015, 3, 9),
        household_id=household.id,
        relation_to_head="Con",
        temporary_ward_code="26740",
        temporary_street="12 Nguyễn Huệ",
        temporary_until=date(2027, 6, 30),
    )
    factory.holdings(head)
    session.add(
        Vehicle(
            plate="30A99999", kind="car", brand="VinFast", owner_citizen_id=head.id, registered_on=date(2024, 2, 29)
        )
    )
    session.flush()

    body = client.get("/api/v1/citizens/me", headers=auth_headers(factory.account(head))).json
    assert body["household"] == {
        "household_number": "HN-TEST-1",
        "members": [
            {"full_name": "Lê Văn Hùng", "relation_to_head": "Chủ hộ", "date_of_birth": "1990-01-01"},
            {"full_name": "Lê Thị Mai", "relation_to_head": "Con", "date_of_birth": "2015-03-09"},
        ],
    }
    assert [(v["kind"], v["brand"], v["registered_on"]) for v in body["vehicles"]] == [
        ("motorbike", "Honda", "2020-01-01"),
        ("car", "VinFast", "2024-02-29"),
    ]
    assert body["driving_licences"][0]["issued_on"] == "2010-01-01"
    assert body["driving_licences"][0]["expires_on"] is None
    assert body["health_insurance_cards"][0]["valid_to"] == "2026-12-31"
    assert body["temporary_address"] is None

    mine = client.get("/api/v1/citizens/me", headers=auth_headers(factory.account(child))).json
    assert mine["vehicles"] == mine["driving_licences"] == mine["health_insurance_cards"] == []
    assert mine["temporary_address"]["street"] == "12 Nguyễn Huệ"
    assert mine["temporary_until"] == "2027-06-30"
    assert mine["household"]["household_number"] == "HN-TEST-1"


def test_a_citizen_without_a_household_has_none(client, factory, auth_headers):
    citizen = factory.citizen(full_name="Phạm Văn Đức")
    body = client.get("/api/v1/citizens/me", headers=auth_headers(factory.account(citizen))).json
    assert body["household"] is None
    assert body["full_name"] == "Phạm Văn Đức"


def test_the_own_record_is_one_statement_once_the_token_state_is_cached(client, factory, auth_headers, app):
    citizen = factory.citizen(full_name="Võ Thị Lan", sex="female")
    factory.holdings(citizen)
    headers = auth_headers(factory.account(citizen))
    assert client.get("/api/v1/citizens/me", headers=headers).status_code == 200
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = app.extensions["congdan.db"]["engine"]
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/api/v1/citizens/me", headers=headers).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
