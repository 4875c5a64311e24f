"""The fleet dashboard (server-rendered, /fleet): login cookie, CSRF, pages, and what they show."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from backend.database import utcnow
from backend.fleet.models import Kiosk
from tests.backend.helpers import PASSWORD


@pytest.fixture()
def http(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_COOKIE_SECURE", False)  # the test client speaks http
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(http, username: str, password: str = PASSWORD):
    page = http.get("/login")
    return http.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(page.text)})


def test_pages_need_a_login(client):
    response = client.get("/fleet/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    old_address = client.get("/fleet/login")  # bookmarks of the fleet's own login page
    assert old_address.status_code == 302 and old_address.headers["Location"].endswith("/login")


def test_session_cookie_is_secure_httponly_strict(client, admin):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": admin.username, "password": PASSWORD, "csrf_token": _csrf(page.text)},
    )
    assert response.status_code == 302
    cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("congdan_console=")][0]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie


def test_login_refuses_wrong_password_other_roles_and_missing_csrf(http, admin, factory):
    assert login(http, admin.username, "wrong password").status_code == 401
    officer = factory.staff("officer", "01")
    assert login(http, officer.username).status_code == 302  # one login for every console ...
    assert http.get("/fleet/").status_code == 403  # ... but the fleet's pages are not an officer's
    no_csrf = http.post("/login", data={"username": admin.username, "password": PASSWORD})
    assert no_csrf.status_code == 401


def test_forms_need_the_session_csrf_token(http, admin, agent):
    login(http, admin.username)
    response = http.post(f"/fleet/kiosks/{agent.kiosk_id}/commands", data={"kind": "lock"})
    assert response.status_code == 400 and "text/html" in response.content_type
    page = http.get(f"/fleet/kiosks/{agent.kiosk_id}")
    sent = http.post(f"/fleet/kiosks/{agent.kiosk_id}/commands", data={"kind": "lock", "csrf_token": _csrf(page.text)})
    assert sent.status_code == 303


def test_logout_ends_the_session(http, admin):
    login(http, admin.username)
    page = http.get("/fleet/")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    http.post("/logout", data={"csrf_token": _csrf(page.text)})
    assert http.get("/fleet/").status_code == 302


def test_overview_lists_kiosks_by_state_and_offline_filter(http, admin, agent, session, hospital):
    agent.heartbeat()
    login(http, admin.username)
    page = http.get("/fleet/").text
    assert hospital.name in page and agent.kiosk_id in page and "Trực tuyến" in page
    kiosk = session.get(Kiosk, agent.kiosk_id)
    kiosk.last_seen_at = utcnow() - timedelta(minutes=10)
    session.flush()
    offline = http.get("/fleet/?connectivity=offline").text
    assert f'data-kiosk="{agent.kiosk_id}" data-connectivity="offline"' in offline
    assert "Mất kết nối" in http.get("/fleet/alerts").text


def test_enrollment_code_page_shows_the_code_once_with_a_qr(http, admin, hospital):
    login(http, admin.username)
    page = http.get("/fleet/enrollment-codes")
    created = http.post(
        "/fleet/enrollment-codes",
        data={
            "hospital_code": hospital.code,
            "location_label": "Sảnh B",
            "valid_hours": "12",
            "csrf_token": _csrf(page.text),
        },
    )
    assert created.status_code == 200 and "<svg" in created.text
    code = re.search(r'id="new-code">([A-Z0-9-]+)<', created.text).group(1)
    assert code not in http.get("/fleet/enrollment-codes").text


def test_profile_form_creates_a_version(http, admin, hospital):
    login(http, admin.username)
    page = http.get("/fleet/profiles")
    saved = http.post(
        "/fleet/profiles",
        data={
            "target": f"h:{hospital.code}",
            "idle_timeout_s": "45",
            "heartbeat_interval_s": "30",
            "lang_vi": "on",
            "department": [f"{hospital.code}:NOI", "BV-OTHER:NOI"],  # another hospital's tick is dropped
            "copies": "1",
            "paper_width_mm": "80",
            "csrf_token": _csrf(page.text),
        },
    )
    assert saved.status_code == 200 and "Đã lưu phiên bản" in saved.text
    assert f'value="{hospital.code}:MAT"' in page.text  # clinics are ticked from the hospital's list


def test_unknown_kiosk_page_is_a_readable_404(http, admin):
    login(http, admin.username)
    response = http.get("/fleet/kiosks/KSK-00000000")
    assert response.status_code == 404 and "Không thực hiện được" in response.text
