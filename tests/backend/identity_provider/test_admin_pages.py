"""Administrators register and suspend relying parties on server-rendered pages; nobody else gets in."""

from __future__ import annotations

import re

from backend.identity_provider.models import RelyingParty
from tests.backend.helpers import PASSWORD


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client, username):
    """The one console login (its form carries a CSRF token of its own)."""
    form = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(form)})


def test_admin_registers_and_suspends_a_party(client, factory, session):
    admin = factory.staff("admin")
    assert client.get("/oidc/admin/").status_code == 302  # not logged in
    assert client.get("/oidc/admin/login").headers["Location"].endswith("/login")  # the old address
    assert _login(client, admin.username).status_code == 302
    page = client.get("/oidc/admin/new")
    assert page.status_code == 200 and "Nơi thường trú" in page.get_data(as_text=True)
    form = {
        "csrf_token": _csrf(page.get_data(as_text=True)),
        "client_id": "TINH-HN",
        "name": "Cổng DVC Hà Nội",
        "purpose": "Đăng nhập cổng dịch vụ công của tỉnh",
        "legal_basis": "Nghị định 69/2024/NĐ-CP",
        "redirect_uris": "https://dichvucong.hanoi.gov.vn/callback",
        "scopes": ["identity", "address"],
        "level_required": "2",
        "auth_method": "client_secret_basic",
        "consent_days": "30",
    }
    registered = client.post("/oidc/admin/new", data=form)
    assert registered.status_code == 200 and 'id="client-secret"' in registered.get_data(as_text=True)
    party = session.query(RelyingParty).filter_by(client_id="TINH-HN").one()
    assert party.scope_list == ["openid", "identity", "address"] and party.level_required == 2

    duplicate = client.post("/oidc/admin/new", data=form)
    assert duplicate.status_code == 422 and "already registered" in duplicate.get_data(as_text=True)
    bad = client.post("/oidc/admin/new", data={**form, "client_id": "X2", "scopes": ["photos"]})
    assert bad.status_code == 422

    listing = client.get("/oidc/admin/").get_data(as_text=True)
    assert 'data-client="TINH-HN" data-status="active"' in listing
    assert client.post("/oidc/admin/TINH-HN/status", data={"status": "suspended"}).status_code == 400  # no CSRF
    client.post("/oidc/admin/TINH-HN/status", data={"status": "suspended", "csrf_token": _csrf(listing)})
    assert 'data-client="TINH-HN" data-status="suspended"' in client.get("/oidc/admin/").get_data(as_text=True)


def test_only_administrators_get_in(app, factory):
    for role in ("fleet_admin", "officer"):
        client = app.test_client()
        assert _login(client, factory.staff(role).username).status_code == 302  # a console of their own ...
        assert client.get("/oidc/admin/").status_code == 403  # ... but not this one (a page says so)
        assert client.post("/oidc/admin/new", data={}).status_code == 403
    client = app.test_client()
    assert _login(client, factory.account(factory.citizen()).username).status_code == 401
    assert client.get("/oidc/admin/").status_code == 302
