"""The national login's pages in a real browser: Playwright drives Debian's Chromium against a live provider.

A bank pushes its request; the citizen signs in with ID number and password, reads the consent page and
approves; the browser lands on the bank's callback with a code. A level-2 bank shows the step-up page.
Screenshots at desktop and phone width go to tests/e2e/screenshots/out/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.e2e.conftest import SIZES, screenshot

sync_api = pytest.importorskip("playwright.sync_api")


def _seed(app) -> None:
    from backend.extensions import db
    from backend.registry.reference import sync_administrative_units
    from tests.backend.helpers import Factory

    with app.app_context():
        sync_administrative_units(session=db.session)
        factory = Factory(db.session)
        citizen = factory.citizen(full_name="Phạm Thị Hoa", personal_id="001190012345")
        factory.account(citizen, level=2)
        db.session.commit()


def _pushed_authorize_url(app, base_url: str, *, client_id: str, level: int) -> str:
    from tests.backend.identity_provider.oidc_kit import REDIRECT_URI, pkce, register

    secret = register(
        app, client_id=client_id, method="client_secret_basic", level=level, scopes=("identity", "address", "household")
    )
    _, challenge = pkce()
    pushed = requests.post(
        base_url + "/oidc/par",
        auth=(client_id, secret),
        timeout=5,
        data={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid identity address",
            "state": "e2e-state",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    ).json()
    return f"{base_url}/oidc/authorize?client_id={client_id}&request_uri={pushed['request_uri']}"


def _land(seen: list, route) -> None:
    """The bank's callback, answered in the browser: the test only needs the URL it was sent to."""
    seen.append(route.request.url)
    route.fulfill(status=200, body="bank")


def test_login_and_consent_in_the_browser(live_server, chromium):
    app, base_url = live_server(seed=_seed)  # http://127.0.0.1 in this test only
    for n, (size, viewport) in enumerate(SIZES.items()):
        page = chromium.new_page(viewport=viewport, locale="vi-VN")
        landed = []
        page.route("https://bank.example/**", functools.partial(_land, landed))
        page.goto(_pushed_authorize_url(app, base_url, client_id=f"NH-E2E-{n}", level=1))
        sync_api.expect(page.locator("img[alt^='Mã QR']")).to_be_visible()
        screenshot(page, f"oidc_01_login_{size}")
        page.fill("#personal_id", "001190012345")
        page.fill("#password", "wrong password")
        page.click("#sign-in")
        sync_api.expect(page.locator(".error")).to_be_visible()
        screenshot(page, f"oidc_02_login_error_{size}")
        page.fill("#personal_id", "001190012345")
        page.fill("#password", "correct horse battery")
        page.click("#sign-in")
        sync_api.expect(page.locator("#fields li")).to_have_count(8)  # sub + 5 identity + 2 address
        sync_api.expect(page.locator("#recipient")).to_have_text("Ngân hàng Việt Bank")
        screenshot(page, f"oidc_03_consent_{size}")
        page.click("#approve")
        page.wait_for_url("https://bank.example/**")
        query = parse_qs(urlparse(landed[-1]).query)
        assert query["state"] == ["e2e-state"] and query["code"][0]
        page.close()

    page = chromium.new_page(viewport=SIZES["phone"], locale="vi-VN")
    page.goto(_pushed_authorize_url(app, base_url, client_id="NH-LEVEL2", level=2))
    page.fill("#personal_id", "001190012345")
    page.fill("#password", "correct horse battery")
    page.click("#sign-in")
    sync_api.expect(page.locator("h1")).to_contain_text("Xác thực thêm trên ứng dụng")
    screenshot(page, "oidc_04_step_up_phone")
