"""The one console login in a real browser, at desktop and phone width: keyboard-only sign-in, the console home,
the language switch, and no serious accessibility violations (axe-core)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_PASSWORD, SIZES, assert_accessible, screenshot


def _seed(app) -> None:
    from backend.auth import passwords
    from backend.auth.models import Account
    from backend.extensions import db

    with app.app_context():
        session = db.new_session()
        session.add(
            Account(
                username="can.bo",
                password_hash=passwords.hash_password(E2E_PASSWORD),
                role="officer",
                level=2,
                display_name="Cán bộ Phường Ba Đình",
                scope_code="00004",
            )
        )
        session.commit()
        session.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_officer_signs_in_with_the_keyboard(live_server, chromium, size):
    _app, base = live_server(seed=_seed)
    # bypass_csp: axe-core is injected as an inline script; the hospital console's pages forbid those.
    page = chromium.new_page(viewport=SIZES[size], bypass_csp=True)
    page.goto(f"{base}/login")
    assert_accessible(page)
    screenshot(page, f"console-login-{size}")
    page.keyboard.type("can.bo")  # the username field has the focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type(E2E_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/")
    expect(page.get_by_text("Cán bộ Phường Ba Đình")).to_be_visible()
    logout = page.get_by_role("button", name="Đăng xuất")
    expect(logout).to_be_visible()
    box = logout.bounding_box()
    assert box["x"] + box["width"] <= SIZES[size]["width"]  # nothing falls off a phone screen
    assert_accessible(page)
    screenshot(page, f"console-home-{size}")
    # A page of another role's console: the officer stays signed in and is told so, with their own consoles.
    page.goto(f"{base}/console/hospital/")
    expect(page.get_by_role("heading", name="Trang này không dành cho tài khoản của bạn")).to_be_visible()
    expect(page.get_by_text("Cán bộ Phường Ba Đình").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"console-not-for-this-role-{size}")
    page.goto(f"{base}/console/")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    logout = page.get_by_role("button", name="Log out")
    logout.click()
    page.wait_for_url(f"{base}/login")
