"""Who may open the officer console's pages, like the API's authorization matrix: every page x every kind of
caller. An officer sees ward A's application only if their jurisdiction covers ward A (404/403 otherwise, never
the data); citizens and kiosks (even holding an API token) and staff of other roles never get in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from backend.registry.models import DrivingLicence, Vehicle
from tests.backend.consoles.conftest import csrf_of
from tests.backend.helpers import bearer, login

LOGIN = "login"  # not for this caller: a visitor is sent to the login page, a signed-in account of another
NOT_FOR_THIS_ROLE = "403 page"  # role is told the page is not for its account (403)
NOT_FOR_THIS_ROLE_TEXT = "Trang này không dành cho tài khoản của bạn"


@dataclass(frozen=True)
class Caller:
    key: str
    scope: str | None = None  # an officer's jurisdiction
    role: str | None = None  # a signed-in account of another role; None: signed-out (maybe with an API token)


CALLERS = [
    Caller("anonymous"),
    Caller("citizen_with_api_token"),
    Caller("kiosk_with_api_token"),
    Caller("hospital_staff", role="hospital_staff"),
    Caller("fleet_admin", role="fleet_admin"),
    Caller("agency", role="agency"),
    Caller("admin", role="admin"),
    Caller("officer_ward_a", "26740"),  # Phường Bến Nghé, TP HCM: the application's ward
    Caller("officer_province_a", "79"),
    Caller("officer_ward_b", "00088"),  # Phường Hàng Bài, Hà Nội: the penalty's ward
    Caller("officer_province_b", "01"),
]
COVERS_A = {"officer_ward_a", "officer_province_a"}
COVERS_B = {"officer_ward_b", "officer_province_b"}


def _officer_page(caller: Caller) -> int | str:
    return 200 if caller.scope else LOGIN


# (method, path, expected(caller), text only an allowed caller may see)
PAGES = [
    ("GET", "/console/officer/", _officer_page, None),
    (
        "GET",
        "/console/officer/residence/{a}",
        lambda c: LOGIN if not c.scope else 200 if c.key in COVERS_A else 403,
        "Lý Thị Mai",
    ),
    ("GET", "/console/officer/traffic/", _officer_page, None),
    ("GET", "/console/officer/traffic/record?code=OTO-DEN-DO", _officer_page, None),
    ("GET", "/console/officer/traffic/lookup?licence=010000000777&purpose=Kiem+tra", _officer_page, "Phạm Văn Lái"),
    (
        "GET",
        "/console/officer/traffic/penalties/{p}",
        lambda c: LOGIN if not c.scope else 200 if c.key in COVERS_B else 404,
        "30A12345",
    ),
    (
        "POST",
        "/console/officer/residence/{a}/decision",
        lambda c: LOGIN if not c.scope else 302 if c.key in COVERS_A else 403,
        None,
    ),
]


@pytest.fixture()
def world(client, factory, session, under_review, sign_in):
    application = under_review("26740", name="Lý Thị Mai")
    driver = factory.citizen(full_name="Phạm Văn Lái")
    session.add_all(
        [
            Vehicle(
                plate="30A12345", kind="car", brand="Kia", owner_citizen_id=driver.id, registered_on=date(2020, 1, 1)
            ),
            DrivingLicence(number="010000000777", licence_class="B", citizen_id=driver.id, issued_on=date(2015, 1, 1)),
        ]
    )
    session.flush()
    hanoi = login(client, factory.staff("officer", "01").username)["access_token"]
    penalty = client.post(
        "/api/v1/traffic/penalties",
        json={
            "violation_code": "OTO-DEN-DO",
            "occurred_at": "2026-11-30T08:00:00+07:00",
            "place": "Phố Huế",
            "ward_code": "00088",
            "plate": "30A12345",
            "licence_number": "010000000777",
        },
        headers={**bearer(hanoi), "Idempotency-Key": "matrix-penalty-0001"},
    )
    assert penalty.status_code == 201, penalty.json
    return {"a": application, "p": penalty.json["number"]}


def _client_for(caller: Caller, app, client, factory, sign_in):
    if caller.scope or caller.role:
        return sign_in(factory.staff("officer" if caller.scope else caller.role, caller.scope or "X-1")), {}
    web = app.test_client()
    if caller.key == "citizen_with_api_token":
        token = login(client, factory.account(factory.citizen(), level=2).username)["access_token"]
        return web, bearer(token)
    if caller.key == "kiosk_with_api_token":
        return web, bearer(login(client, factory.staff("kiosk", "KIOSK-1").username)["access_token"])
    return web, {}


@pytest.mark.parametrize("caller", CALLERS, ids=[c.key for c in CALLERS])
def test_officer_pages(app, client, factory, sign_in, world, caller):
    web, headers = _client_for(caller, app, client, factory, sign_in)
    home = web.get("/console/", headers=headers).get_data(as_text=True)
    csrf = csrf_of(home) if 'name="csrf_token"' in home else ""
    outcomes = {}
    for method, template, expected, secret in PAGES:
        path = template.format(**world)
        data = {"csrf_token": csrf, "decision": "request_information", "reason": "Thiếu giấy tờ chứng minh chỗ ở"}
        response = web.open(path, method=method, headers=headers, data=data if method == "POST" else None)
        want = expected(caller)
        if want == LOGIN and caller.role:
            want = NOT_FOR_THIS_ROLE
        if want == NOT_FOR_THIS_ROLE:
            got = (
                want
                if response.status_code == 403 and NOT_FOR_THIS_ROLE_TEXT in response.get_data(as_text=True)
                else None
            )
        elif want == LOGIN:
            got = LOGIN if response.status_code == 302 and response.headers["Location"].endswith("/login") else None
        else:
            got = response.status_code
        outcomes[f"{method} {template}"] = (got, want)
        if secret and got != 200:
            assert secret not in response.get_data(as_text=True), (caller.key, path)
    wrong = {page: pair for page, pair in outcomes.items() if pair[0] != pair[1]}
    assert not wrong, wrong
