"""Who looked at my data: recorded for everyone but the citizen, listed only to the citizen."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.logs import MaskPersonalIdFilter, mask_text

PURPOSE = "purpose=traffic+stop+identity+check"


def test_officer_reads_are_logged_and_the_citizen_sees_them(client, factory, auth_headers):
    citizen = factory.citizen()
    headers = auth_headers(factory.account(citizen))
    officer = factory.staff("officer", "01")
    officer_headers = auth_headers(officer)
    client.get(f"/api/v1/citizens/{citizen.personal_id}?{PURPOSE}", headers=officer_headers)
    client.get("/api/v1/citizens/me", headers=headers)  # own reads are not "someone else"
    client.get(f"/api/v1/citizens/{citizen.personal_id}?{PURPOSE}", headers=headers)
    page = client.get("/api/v1/me/access-log", headers=headers).json
    assert page["meta"]["total"] == 1
    event = page["items"][0]
    assert event["actor_role"] == "officer"
    assert event["purpose"] == "traffic stop identity check"
    assert event["client_kind"] == "address" and event["client_id"] == "127.0.0.1"
    assert event["occurred_at"].endswith("+00:00")


def test_a_citizen_sees_only_their_own_log(client, factory, auth_headers):
    a = factory.citizen()
    b = factory.citizen(full_name="Lê Văn Bình")
    officer = auth_headers(factory.staff("officer", "01"))
    client.get(f"/api/v1/citizens/{b.personal_id}?{PURPOSE}", headers=officer)
    log = client.get("/api/v1/me/access-log", headers=auth_headers(factory.account(a))).json
    assert log["meta"]["total"] == 0


def test_search_results_are_each_logged(client, factory, auth_headers, session):
    people = [factory.citizen(full_name="Nguyễn Thị Hoa", sex="female") for _ in range(3)]
    client.get(f"/api/v1/citizens?name=nguyen+thi+hoa&{PURPOSE}", headers=auth_headers(factory.staff("officer", "01")))
    subjects = set(session.scalars(sa.select(AuditEvent.subject_citizen_id)))
    assert subjects == {p.id for p in people}


def test_the_log_cannot_be_changed_through_the_api(client, factory, auth_headers):
    headers = auth_headers(factory.account(factory.citizen()))
    for method in ("put", "patch", "delete", "post"):
        response = getattr(client, method)("/api/v1/me/access-log", headers=headers, json={})
        assert response.status_code == 405


def test_pagination(client, factory, auth_headers):
    citizen = factory.citizen()
    headers = auth_headers(factory.account(citizen))
    officer = auth_headers(factory.staff("officer", "01"))
    for _ in range(5):
        client.get(f"/api/v1/citizens/{citizen.personal_id}?{PURPOSE}", headers=officer)
    page = client.get("/api/v1/me/access-log?page=2&per_page=2", headers=headers).json
    assert page["meta"] == {"page": 2, "per_page": 2, "total": 5} and len(page["items"]) == 2
    # The last page, a page past the end and one page holding everything tell the same total.
    for query, items in (("page=3&per_page=2", 1), ("page=4&per_page=2", 0), ("per_page=10", 5), ("per_page=5", 5)):
        page = client.get(f"/api/v1/me/access-log?{query}", headers=headers).json
        assert page["meta"]["total"] == 5 and len(page["items"]) == items, query
    assert client.get("/api/v1/me/access-log?per_page=1000", headers=headers).status_code == 422


def test_personal_ids_are_masked_in_logs(caplog):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "reading %s for %s", ("001090012345", "ticket 12"), None)
    MaskPersonalIdFilter().filter(record)
    assert record.getMessage() == "reading 0010******45 for ticket 12"
    assert mask_text("card GD4010012345678901 id 079301004321.") == "card GD4010012345678901 id 0793******21."
    assert mask_text("decision XP202600000001 for /citizens/001090012345?x") == (
        "decision XP202600000001 for /citizens/0010******45?x"
    )


def test_a_period_lists_only_the_accesses_in_those_vietnamese_days(client, factory, auth_headers, session):
    from datetime import UTC, datetime

    citizen = factory.citizen()
    headers = auth_headers(factory.account(citizen))
    # 2026-03-31 17:30 UTC is already 1 April in Vietnam (UTC+7).
    for moment in (datetime(2026, 3, 31, 16, 0, tzinfo=UTC), datetime(2026, 3, 31, 17, 30, tzinfo=UTC)):
        session.add(
            AuditEvent(
                occurred_at=moment,
                subject_citizen_id=citizen.id,
                actor_role="officer",
                actor_label="Cán bộ / Officer",
                action="read",
                record_type="citizen",
                purpose="kiểm tra",
                client_kind="address",
                client_id="127.0.0.1",
            )
        )
    session.flush()
    april = client.get("/api/v1/me/access-log?since=2026-04-01&until=2026-04-30", headers=headers).json
    assert april["meta"]["total"] == 1 and april["items"][0]["occurred_at"].startswith("2026-03-31T17:30")
    march = client.get("/api/v1/me/access-log?until=2026-03-31", headers=headers).json
    assert march["meta"]["total"] == 1 and march["items"][0]["occurred_at"].startswith("2026-03-31T16:00")
    assert client.get("/api/v1/me/access-log", headers=headers).json["meta"]["total"] == 2


def test_a_period_that_ends_before_it_starts_is_refused(client, factory, auth_headers):
    headers = auth_headers(factory.account(factory.citizen()))
    response = client.get("/api/v1/me/access-log?since=2026-05-01&until=2026-04-01", headers=headers)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    for edge in ("since=0001-01-01", "until=9999-12-31"):  # a day before / after would leave Python's dates
        assert client.get(f"/api/v1/me/access-log?{edge}", headers=headers).status_code == 422, edge
