"""Who may open each page of the hospital console, the waiting-room screen and the Project 06 dashboard, as a
matrix like the API's (tests/backend/test_authorization_matrix.py): every route of these blueprints must be listed
here, with the answer each kind of caller gets. Citizens and kiosks cannot sign in to the consoles at all
(tests/backend/test_consoles_login.py), so they arrive as anonymous visitors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.consoles import waiting_room
from tests.backend.consoles.web import csrf, sign_in
from tests.backend.health.hospital_data import add_hospital

CALLERS = {
    "anonymous": None,
    "staff_a": ("hospital_staff", "BV-TEST"),
    "staff_b": ("hospital_staff", "BV-B"),
    "officer_hanoi": ("officer", "01"),
    "officer_hcm": ("officer", "79"),
    "officer_ward": ("officer", "00088"),
    "fleet_admin": ("fleet_admin", None),
    "admin": ("admin", None),
}
LOGIN = 302  # sent to the login form: the page is not for a visitor (an account of another role gets 403)
NOT_FOR_THIS_ROLE = "Trang này không dành cho tài khoản của bạn"


@dataclass(frozen=True)
class Page:
    method: str
    path: str
    endpoint: str
    expected: dict  # caller -> status; the callers not named get `other`
    other: int = LOGIN


HOSPITAL_GET = {"staff_a": 200, "staff_b": 200}
LEADERS = {"officer_hanoi": 200, "officer_hcm": 200, "admin": 200, "officer_ward": 403}
PAGES = [
    Page("GET", "/console/hospital/", "hospital_console.overview", HOSPITAL_GET),
    Page("GET", "/console/hospital/queues/NOI", "hospital_console.queue", HOSPITAL_GET),
    Page("GET", "/console/hospital/queues/NOI/live", "hospital_console.queue_live", HOSPITAL_GET),
    Page("GET", "/console/hospital/checkins", "hospital_console.checkins", HOSPITAL_GET),
    Page("GET", "/console/hospital/help", "hospital_console.help_calls", HOSPITAL_GET),
    Page("GET", "/console/hospital/help/live", "hospital_console.help_live", HOSPITAL_GET),
    # Staff B's call-next reaches B's own (empty) queue: never A's.
    Page("POST", "/console/hospital/queues/NOI/call", "hospital_console.call_next", {"staff_a": 302, "staff_b": 302}),
    Page(
        "POST",
        "/console/hospital/queues/NOI/tickets/{ticket}/skip",
        "hospital_console.ticket_action",
        {"staff_a": 302, "staff_b": 302},
    ),
    Page(
        "POST",
        "/console/hospital/queues/NOI/tickets/{ticket}/done",
        "hospital_console.ticket_action",
        {"staff_a": 302, "staff_b": 302},
    ),
    Page(
        "POST",
        "/console/hospital/help/{call}/acknowledge",
        "hospital_console.help_action",
        {"staff_a": 302, "staff_b": 404},
    ),
    Page("GET", "/waiting-room/{token}", "waiting_room.screen", {}, other=200),
    Page("GET", "/waiting-room/{token}/board", "waiting_room.board", {}, other=200),
    Page("GET", "/console/indicators/", "indicators_console.dashboard", LEADERS),
    Page("GET", "/console/indicators/?province=01", "indicators_console.dashboard", {**LEADERS, "officer_hcm": 403}),
    Page("GET", "/console/indicators/on_time/lost", "indicators_console.lost", LEADERS),
    Page(
        "GET",
        "/console/indicators/on_time/lost?province=79",
        "indicators_console.lost",
        {**LEADERS, "officer_hanoi": 403},
    ),
    Page("GET", "/console/indicators/export.csv", "indicators_console.export", LEADERS),
    Page("GET", "/console/indicators/level2/lost.xlsx", "indicators_console.export_lost", LEADERS),
]


@pytest.fixture()
def world(app, client, session, factory, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_COOKIE_SECURE", False)
    hospital = add_hospital(session)
    add_hospital(session, code="BV-B", facility_code="79001")
    from tests.backend.health.hospital_data import add_kiosk, proof
    from tests.backend.helpers import bearer, login

    kiosk = bearer(login(client, add_kiosk(session, factory, hospital).username)["access_token"])
    patient = factory.citizen()
    checkin = client.post("/api/v1/health/checkins", json={"identification": proof(patient)}, headers=kiosk).json
    ticket = client.post(
        f"/api/v1/health/checkins/{checkin['id']}/tickets",
        json={"department_code": "NOI"},
        headers={**kiosk, "Idempotency-Key": "matrix-ticket-0001"},
    ).json
    call = client.post("/api/v1/health/help-requests", headers=kiosk, json={"screen": "welcome"}).json
    with app.test_request_context():
        token = waiting_room.token_for(hospital.code)
    return {"ticket": ticket["id"], "call": call["id"], "token": token}


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_page_matrix(app, factory, world, caller):
    """One caller against every page (one sign-in per caller keeps this fast); all mismatches reported at once."""
    role = CALLERS[caller]
    web = sign_in(app, factory.staff(*role)) if role else app.test_client()
    token = csrf(web.get("/console/").get_data(as_text=True)) if role else "none"
    wrong = []
    for page in PAGES:
        path = page.path.format(**world)
        if page.method == "GET":
            response = web.get(path)
        else:
            response = web.post(path, data={"csrf_token": token, "idempotency_key": "k" * 32})
        expected = page.expected.get(caller, page.other)
        if expected == LOGIN and role is not None and caller not in page.expected:
            expected = 403  # signed in, but the role may not open it: a page says so, not the login form
            if NOT_FOR_THIS_ROLE not in response.get_data(as_text=True):
                wrong.append(f"{page.method} {path}: no explanation on the 403")
        if response.status_code != expected:
            wrong.append(f"{page.method} {path}: {response.status_code}, expected {expected}")
        elif expected == LOGIN and caller not in page.expected and not response.headers["Location"].endswith("/login"):
            wrong.append(f"{page.method} {path}: redirected to {response.headers['Location']}, not the login")
    assert not wrong, wrong


def test_every_console_page_is_in_the_matrix(app):
    listed = {p.endpoint for p in PAGES}
    mine = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("hospital_console", "indicators_console", "waiting_room")
    }
    assert mine - listed == set()
