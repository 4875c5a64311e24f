"""The register of issued chip ID cards: officers issue and revoke, the holder reports a card lost, and the status an
eKYC check answers for a card (DG1 document number + DG13 issue date) on a given day."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.registry import identity_cards

CARDS = "/api/v1/citizens/{pid}/identity-cards"
ISSUE = {"reason": "cấp thẻ lần đầu / first card"}


def _issue(client, headers, pid, issued_on, expect=201):
    response = client.post(CARDS.format(pid=pid), json={"issued_on": issued_on, **ISSUE}, headers=headers)
    assert response.status_code == expect, response.json
    return response.json


def test_a_new_card_replaces_the_valid_one_and_the_holder_sees_who_did_it(client, factory, auth_headers):
    citizen = factory.citizen(date_of_birth=dt.date(1990, 1, 1))
    officer = auth_headers(factory.staff("officer", "00088"))
    first = _issue(client, officer, citizen.personal_id, "2016-06-01")
    assert first["status"] == "valid" and first["document_number"] == citizen.personal_id[3:]
    assert first["expires_on"] == "2030-01-01"  # issued at 26: the next milestone is 40
    second = _issue(client, officer, citizen.personal_id, "2021-04-15")
    assert second["expires_on"] == "2030-01-01"
    _issue(client, officer, citizen.personal_id, "2021-04-15", expect=409)  # the same card twice

    own = auth_headers(factory.account(citizen, level=1))
    cards = client.get(CARDS.format(pid=citizen.personal_id), headers=own).json
    assert [(c["issued_on"], c["status"]) for c in cards] == [("2021-04-15", "valid"), ("2016-06-01", "replaced")]
    log = client.get("/api/v1/me/access-log", headers=own).json
    items = log["items"] if isinstance(log, dict) else log
    issued = [e for e in items if e["record_type"] == "identity-card" and e["action"] == "update"]
    assert len(issued) == 2 and all("issue ID card" in e["purpose"] for e in issued)


def test_only_an_officer_covering_the_citizen_changes_the_register(client, factory, auth_headers):
    citizen = factory.citizen()
    card = _issue(client, auth_headers(factory.staff("officer", "01")), citizen.personal_id, "2021-04-15")
    revoke = CARDS.format(pid=citizen.personal_id) + f"/{card['id']}/revoke"
    body = {"reason": "thu hồi thẻ / card withdrawn"}
    for headers in (auth_headers(factory.staff("officer", "79")), auth_headers(factory.account(citizen, level=2))):
        refused = client.post(revoke, json=body, headers=headers)
        assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    other = factory.citizen(full_name="Trần Văn Khác")
    foreign = client.post(
        CARDS.format(pid=other.personal_id) + f"/{card['id']}/revoke",
        json=body,
        headers=auth_headers(factory.staff("officer", "00088")),
    )
    assert foreign.status_code == 404  # a card id of someone else is not this citizen's card
    revoked = client.post(revoke, json=body, headers=auth_headers(factory.staff("officer", "00088")))
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"


@pytest.mark.parametrize(
    "body",
    [
        {"issued_on": "2999-01-01", **ISSUE},
        {"issued_on": "1989-12-31", **ISSUE},
        {"issued_on": "2021-04-15"},
        {"issued_on": "2021-04-15", "reason": "x"},
    ],
)
def test_impossible_issues_are_refused_with_a_problem(client, factory, auth_headers, body):
    citizen = factory.citizen(date_of_birth=dt.date(1990, 1, 1))
    response = client.post(
        CARDS.format(pid=citizen.personal_id), json=body, headers=auth_headers(factory.staff("officer", "00088"))
    )
    assert response.status_code == 422 and response.content_type == "application/problem+json"


def test_the_holder_reports_the_card_lost_and_only_a_new_card_undoes_it(client, factory, auth_headers):
    citizen = factory.citizen()
    officer = auth_headers(factory.staff("officer", "00088"))
    _issue(client, officer, citizen.personal_id, "2021-04-15")
    report = "/api/v1/citizens/me/identity-cards/report-lost"
    body = {"reason": "mất thẻ khi đi chợ / lost at the market"}
    assert client.post(report, json=body, headers=auth_headers(factory.account(citizen, level=1))).status_code == 403
    citizen2 = factory.citizen(full_name="Lê Thị Mất")
    _issue(client, officer, citizen2.personal_id, "2021-04-15")
    holder = auth_headers(factory.account(citizen2, level=2))
    lost = client.post(report, json=body, headers=holder)
    assert lost.status_code == 200 and [c["status"] for c in lost.json] == ["reported_lost"]
    assert client.post(report, json=body, headers=holder).status_code == 404  # nothing valid left to report
    _issue(client, officer, citizen2.personal_id, "2024-08-01")
    cards = client.get(CARDS.format(pid=citizen2.personal_id), headers=holder).json
    # The lost card stays reported lost (a bank must still hear it), the new one is valid.
    assert [(c["issued_on"], c["status"]) for c in cards] == [("2024-08-01", "valid"), ("2021-04-15", "reported_lost")]


def test_the_status_is_evaluated_for_the_day_of_the_check(session, factory):
    citizen = factory.citizen(date_of_birth=dt.date(2001, 3, 15), birth_province="079")
    officer = factory.staff("officer", "00088")
    from backend.core.access import Principal

    principal = Principal(account_id=officer.id, role="officer", level=2, label="t", family_id="t", scope_code="00088")
    now = dt.datetime(2024, 1, 10, 3, tzinfo=dt.UTC)
    card = identity_cards.issue(
        session=session,
        principal=principal,
        personal_id=citizen.personal_id,
        issued_on=dt.date(2021, 4, 15),
        reason="cấp thẻ / issued",
        now=now,
    )
    assert card.expires_on == dt.date(2026, 3, 15)  # issued at 20: valid to the 25th birthday

    def status(on, issued_on=dt.date(2021, 4, 15), pid=citizen.personal_id):
        return identity_cards.status_of(
            session=session, personal_id=pid, mrz_document_number=pid[3:], issued_on=issued_on, on=on
        )

    assert status(dt.date(2026, 3, 15)) == "valid"
    assert status(dt.date(2026, 3, 16)) == "expired"
    assert status(dt.date(2021, 4, 14)) == "unknown"  # not yet issued on that day
    assert status(dt.date(2024, 1, 10), issued_on=dt.date(2020, 1, 1)) == "unknown"  # a card not in the register
    assert status(dt.date(2024, 1, 10), issued_on=None) == "valid"  # the only card of this holder
    # Another person whose ID ends in the same nine digits (another birth province) shares the DG1 number.
    twin = factory.citizen(date_of_birth=dt.date(2001, 3, 15), personal_id="001" + citizen.personal_id[3:])
    assert status(dt.date(2024, 1, 10), pid=twin.personal_id) == "unknown"


def test_the_demo_register_holds_the_card_the_simulated_chip_carries(make_app):
    from backend.demo import add_demo_people
    from backend.extensions import db
    from hardware.smartcard.simulator import DemoCitizen
    from kiosk_app.services.simulation import DEMO_PATIENT
    from tests.backend.helpers import bearer, login

    assert DemoCitizen().issue_date == DEMO_PATIENT.issue_date  # the test chips' default is the kiosk's card
    app = make_app()
    with app.app_context():
        add_demo_people(session=db.session, password="demo-test-password")
        db.session.commit()
        on = dt.date(2026, 12, 1)
        assert (
            identity_cards.status_of(
                session=db.session,
                personal_id=DEMO_PATIENT.personal_id,
                mrz_document_number=DEMO_PATIENT.document_number,
                issued_on=DEMO_PATIENT.issue_date,
                on=on,
            )
            == "valid"
        )
    client = app.test_client()
    headers = bearer(login(client, DEMO_PATIENT.personal_id, "demo-test-password")["access_token"])
    cards = client.get(CARDS.format(pid=DEMO_PATIENT.personal_id), headers=headers).json
    assert [(c["issued_on"], c["status"]) for c in cards] == [("2021-04-15", "valid"), ("2016-06-01", "replaced")]
