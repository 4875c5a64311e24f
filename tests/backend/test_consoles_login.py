"""The one web login every console shares: sign in as any staff role, see only your role's consoles, log out;
citizens and kiosks are refused; the language switch stays on this site."""

from __future__ import annotations

import re

import pytest

from backend.auth.console import CONSOLE_ROLES, entries_for, register_console
from tests.backend.helpers import PASSWORD


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client, username: str, password: str):
    form = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(form.get_data(as_text=True))},
    )


@pytest.fixture()
def web(app, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_COOKIE_SECURE", False)  # the test client speaks http
    return app.test_client()


def test_login_page_is_vietnamese_first_and_labelled(web):
    page = web.get("/login").get_data(as_text=True)
    assert 'lang="vi"' in page and "Đăng nhập" in page
    assert '<label for="username">' in page and '<label for="password">' in page


def test_staff_signs_in_sees_home_and_logs_out(web, factory):
    officer = factory.staff("officer", "01")
    response = _login(web, officer.username, PASSWORD)
    assert response.status_code == 302
    home = web.get("/console/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert "Đăng xuất" in page
    out = web.post("/logout", data={"csrf_token": _csrf(page)})
    assert out.status_code == 302 and out.headers["Location"].endswith("/login")
    assert web.get("/console/").status_code == 302  # the session ended with the logout


def test_citizens_and_kiosks_cannot_sign_in_to_consoles(web, factory):
    citizen = factory.account(factory.citizen(), level=2)
    kiosk = factory.staff("kiosk")
    for account in (citizen, kiosk):
        assert _login(web, account.username, PASSWORD).status_code == 401
    assert web.get("/console/").status_code == 302


def test_wrong_password_is_refused_with_the_same_message(web, factory):
    officer = factory.staff("officer", "01")
    response = _login(web, officer.username, "wrong")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


def test_navigation_shows_only_the_consoles_of_the_role(monkeypatch):
    from backend.auth import console

    monkeypatch.setattr(console, "_ENTRIES", list(console._ENTRIES))  # the real navigation stays as it is
    register_console("consoles.home", ("officer",), "Thử", "Test")
    assert any(e.vi == "Thử" for e in entries_for("officer"))
    assert not any(e.vi == "Thử" for e in entries_for("hospital_staff"))
    assert "citizen" not in CONSOLE_ROLES and "kiosk" not in CONSOLE_ROLES


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_language_switch_never_leaves_the_site(web, target):
    response = web.get("/console/language", query_string={"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_language_switch_puts_english_first(web):
    response = web.get("/console/language", query_string={"lang": "en", "next": "/login"})
    assert response.headers["Location"].endswith("/login")
    page = web.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and '<span class="first">Log in</span>' in page
