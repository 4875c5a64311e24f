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
    assert page["meta"]["page"] == 2 and page["meta"]["per_page"] == 2 and page["meta"]["total"] == 5
    assert len(page["items"]) == 2 and page["meta"]["next"]
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


def _events(session, citizen_id: int, moments) -> list[str]:
    """Insert one event per moment, each named by its purpose; returns the names newest first, then highest id
    first (the log's order)."""
    from datetime import UTC

    rows = []
    for k, moment in enumerate(moments):
        event = AuditEvent(
            occurred_at=moment.replace(tzinfo=UTC),
            subject_citizen_id=citizen_id,
            actor_role="officer",
            actor_label="Cán bộ / Officer",
            action="read",
            record_type="citizen",
            purpose=f"event-{k:02d}",
            client_kind="address",
            client_id="127.0.0.1",
        )
        session.add(event)
        session.flush()
        rows.append((event.occurred_at, event.id, event.purpose))
    return [purpose for _, _, purpose in sorted(rows, reverse=True)]


def _months_as_partitions(session, months) -> None:
    """On PostgreSQL the months become real partitions, so pages cross partition boundaries."""
    from backend.audit import partitions

    connection = session.connection()
    if partitions.is_partitioned(connection):
        partitions.ensure_months(connection, [partitions.Month(y, m) for y, m in months])


def _walk(client, headers, query: str) -> list[dict]:
    pages, after = [], None
    while True:
        suffix = f"&after={after}" if after else ""
        page = client.get(f"/api/v1/me/access-log?{query}{suffix}", headers=headers)
        assert page.status_code == 200, page.json
        pages.append(page.json)
        after = page.json["meta"]["next"]
        if after is None:
            return pages


def test_following_the_cursor_lists_every_event_once_in_order_across_months(client, factory, auth_headers, session):
    from datetime import datetime, timedelta

    citizen = factory.citizen()
    headers = auth_headers(factory.account(citizen))
    _months_as_partitions(session, [(2025, 10), (2025, 11), (2025, 12), (2026, 1)])
    boundary = datetime(2025, 12, 1)  # the first instant of December's partition
    moments = [datetime(2025, 10, 3, 8) + timedelta(days=4 * k, minutes=k) for k in range(20)]
    moments += [boundary, boundary, boundary, boundary - timedelta(microseconds=1), datetime(2026, 1, 31, 23, 59)]
    expected = _events(session, citizen.id, moments)  # same-instant events: the higher id first
    pages = _walk(client, headers, "per_page=4")
    assert [item["purpose"] for page in pages for item in page["items"]] == expected
    assert [page["meta"]["page"] for page in pages] == list(range(1, 8))
    assert {page["meta"]["total"] for page in pages} == {len(expected)}
    assert [len(page["items"]) for page in pages] == [4] * 6 + [1]
    # A page by number is the same page as the one reached by the cursor.
    third = client.get("/api/v1/me/access-log?per_page=4&page=3", headers=headers).json
    assert third["items"] == pages[2]["items"] and third["meta"]["next"] == pages[2]["meta"]["next"]
    # The cursor and a period: only that period's events, still all of them once.
    period = _walk(client, headers, "per_page=3&since=2025-12-01&until=2025-12-31")
    listed = [item["purpose"] for page in period for item in page["items"]]
    # December in Vietnam: from 30 November 17:00 UTC to 31 December 17:00 UTC.
    start, end = datetime(2025, 11, 30, 17), datetime(2025, 12, 31, 17)
    wanted = {f"event-{k:02d}" for k, moment in enumerate(moments) if start <= moment < end}
    assert len(wanted) >= 6 and listed == [name for name in expected if name in wanted]
    assert {page["meta"]["total"] for page in period} == {len(wanted)}


def test_events_recorded_while_the_citizen_reads_do_not_shift_the_next_page(client, factory, auth_headers, session):
    from datetime import datetime, timedelta

    citizen = factory.citizen()
    headers = auth_headers(factory.account(citizen))
    expected = _events(session, citizen.id, [datetime(2026, 2, 1) + timedelta(hours=k) for k in range(6)])
    first = client.get("/api/v1/me/access-log?per_page=3", headers=headers).json
    _events(session, citizen.id, [datetime(2026, 2, 2, 12)])  # an officer reads the record meanwhile
    second = client.get(f"/api/v1/me/access-log?per_page=3&after={first['meta']['next']}", headers=headers).json
    assert [item["purpose"] for item in first["items"] + second["items"]] == expected
    # The total is the first page's: the new event is on a fresh first page.
    assert second["meta"] == {"page": 2, "per_page": 3, "total": 6, "next": None}
    assert client.get("/api/v1/me/access-log?per_page=3", headers=headers).json["meta"]["total"] == 7


def test_a_cursor_past_the_end_gives_an_empty_page_and_the_first_pages_total(
    app, client, factory, auth_headers, session
):
    from datetime import UTC, datetime

    from backend.audit import cursor
    from backend.audit.service import LogPosition

    citizen = factory.citizen()
    headers = auth_headers(factory.account(citizen))
    _events(session, citizen.id, [datetime(2026, 3, 1), datetime(2026, 3, 2)])
    # Older than anything held: e.g. a cursor kept while the oldest months were archived.
    with app.app_context():
        position = LogPosition(4, 2, datetime(1999, 1, 1, tzinfo=UTC), 7)
        after = cursor.encode(position, citizen_id=citizen.id, per_page=5)
    page = client.get(f"/api/v1/me/access-log?per_page=5&after={after}", headers=headers).json
    assert page["items"] == [] and page["meta"] == {"page": 5, "per_page": 5, "total": 2, "next": None}


def test_a_cursor_is_refused_for_another_citizen_page_size_or_period_and_when_tampered(
    client, factory, auth_headers, session
):
    from datetime import datetime

    owner, other = factory.citizen(), factory.citizen(full_name="Lê Văn Bình")
    other_headers = auth_headers(factory.account(other))
    _events(session, other.id, [datetime(2026, 3, 1), datetime(2026, 3, 2), datetime(2026, 3, 3)])
    after = client.get("/api/v1/me/access-log?per_page=1", headers=other_headers).json["meta"]["next"]
    assert client.get(f"/api/v1/me/access-log?per_page=1&after={after}", headers=other_headers).status_code == 200
    refused = [
        (f"per_page=1&after={after}", auth_headers(factory.account(owner))),  # another citizen's cursor
        (f"per_page=2&after={after}", other_headers),  # another page size
        (f"per_page=1&since=2026-03-01&after={after}", other_headers),  # another period
        (f"per_page=1&after={after[:-2]}{'A' if after[-2] != 'A' else 'B'}{after[-1]}", other_headers),  # tampered
        ("per_page=1&after=x", other_headers),
        (f"per_page=1&after={'a' * 201}", other_headers),
        (f"per_page=1&page=2&after={after}", other_headers),  # a number and a cursor
    ]
    for query, headers in refused:
        response = client.get(f"/api/v1/me/access-log?{query}", headers=headers)
        assert response.status_code == 422 and response.content_type == "application/problem+json", query
