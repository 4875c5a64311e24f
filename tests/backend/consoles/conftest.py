"""Console fixtures: a browser-like client signed in through /login, and residence applications under review in
a given ward, filed and consented through the JSON API like a citizen's app would."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from flask import g, has_app_context

from backend.core import clock
from tests.backend.helpers import PASSWORD, bearer, login

_serial = itertools.count(1)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture()
def sign_in(app, monkeypatch):
    """sign_in(account) -> a test client holding that account's console session."""
    monkeypatch.setitem(app.config, "CONSOLE_COOKIE_SECURE", False)  # the test client speaks http

    def start(account):
        # The test app's context (and so `g`) outlives requests here, unlike in a server: forget the last
        # request's console session, or its CSRF token would stand in for the login form's.
        if has_app_context():
            for name in ("web_principal", "web_csrf", "web_login_csrf"):
                g.pop(name, None)
        web = app.test_client()
        form = web.get("/login").get_data(as_text=True)
        response = web.post(
            "/login", data={"username": account.username, "password": PASSWORD, "csrf_token": csrf_of(form)}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return web

    return start


# (the applicant's home ward and province, the ward applied for and its province): never the same ward.
HOME_FOR = {"26740": ("00088", "01", "001"), "00088": ("26740", "79", "079")}


@pytest.fixture()
def under_review(client, factory):
    """under_review(ward_code, name=...) -> the id of a residence application in that ward, under review."""

    def make(ward_code: str, name: str = "Nguyễn Văn Ánh") -> int:
        home, province, birth = HOME_FOR[ward_code]
        n = next(_serial)
        applicant = factory.citizen(
            full_name=name, ward_code=home, province_code=province, birth_province=birth, date_of_birth=date(1990, 1, n)
        )
        owner = factory.citizen(
            full_name="Trần Thị Ngọc",
            sex="female",
            date_of_birth=date(1970, 5, n),
            ward_code=ward_code,
            province_code=HOME_FOR[home][1],
            birth_province=HOME_FOR[home][2],
        )
        applicant_token = login(client, factory.account(applicant, level=2).username)["access_token"]
        owner_token = login(client, factory.account(owner, level=2).username)["access_token"]
        today = clock.today()
        created = client.post(
            "/api/v1/residence/applications",
            json={
                "ward_code": ward_code,
                "street": "Số 45 Đường Lê Lợi",
                "legal_basis": "tenancy",
                "owner_personal_id": owner.personal_id,
                "reason": "Làm việc tại địa phương",
                "start_date": (today + timedelta(days=1)).isoformat(),
                "end_date": (today + timedelta(days=366)).isoformat(),
            },
            headers={**bearer(applicant_token), "Idempotency-Key": f"console-test-{n:06d}"},
        )
        assert created.status_code == 201, created.json
        application_id = created.json["id"]
        consented = client.post(
            f"/api/v1/residence/applications/{application_id}/consent",
            json={"decision": "consent"},
            headers=bearer(owner_token),
        )
        assert consented.json["status"] == "under_review", consented.json
        return application_id

    return make
