"""The national login's pages in a real browser: Playwright drives Debian's Chromium against a live provider.

A bank pushes its request; the citizen signs in with ID number and password, reads the consent page and
approves; the browser lands on the bank's callback with a code. A level-2 bank shows the step-up page.
Screenshots at desktop and phone width go to tests/e2e/screenshots/out/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parent / "screenshots" / "out"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture()
def provider(tmp_path):
    from werkzeug.serving import make_server

    from backend import create_app, migrate
    from backend.database import make_engine
    from backend.extensions import db
    from backend.registry.reference import sync_administrative_units
    from tests.backend.helpers import Factory

    url = f"sqlite:///{tmp_path / 'oidc.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "e2e-secret-" + "x" * 32,
            "JWT_SECRET_KEY": "e2e-jwt-" + "y" * 32,
            "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
            "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
            "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
            "FLEET_DASHBOARD_COOKIE_SECURE": False,
        }
    )  # http://127.0.0.1 in this test only
    with app.app_context():
        sync_administrative_units(session=db.session)
        factory = Factory(db.session)
        citizen = factory.citizen(full_name="Phạm Thị Hoa", personal_id="001190012345")
        factory.account(citizen, level=2)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    app.extensions["congdan.db"]["engine"].dispose()


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


def test_login_and_consent_in_the_browser(provider):
    app, base_url = provider
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for n, (size, viewport) in enumerate(SIZES.items()):
                page = browser.new_page(viewport=viewport, locale="vi-VN")
                landed = []
                page.route("https://bank.example/**", functools.partial(_land, landed))
                page.goto(_pushed_authorize_url(app, base_url, client_id=f"NH-E2E-{n}", level=1))
                sync_api.expect(page.locator("img[alt^='Mã QR']")).to_be_visible()
                page.screenshot(path=str(SHOTS / f"oidc_01_login_{size}.png"), full_page=True)
                page.fill("#personal_id", "001190012345")
                page.fill("#password", "wrong password")
                page.click("#sign-in")
                sync_api.expect(page.locator(".error")).to_be_visible()
                page.screenshot(path=str(SHOTS / f"oidc_02_login_error_{size}.png"), full_page=True)
                page.fill("#personal_id", "001190012345")
                page.fill("#password", "correct horse battery")
                page.click("#sign-in")
                sync_api.expect(page.locator("#fields li")).to_have_count(8)  # sub + 5 identity + 2 address
                sync_api.expect(page.locator("#recipient")).to_have_text("Ngân hàng Việt Bank")
                page.screenshot(path=str(SHOTS / f"oidc_03_consent_{size}.png"), full_page=True)
                page.click("#approve")
                page.wait_for_url("https://bank.example/**")
                query = parse_qs(urlparse(landed[-1]).query)
                assert query["state"] == ["e2e-state"] and query["code"][0]
                page.close()

            page = browser.new_page(viewport=SIZES["phone"], locale="vi-VN")
            page.goto(_pushed_authorize_url(app, base_url, client_id="NH-LEVEL2", level=2))
            page.fill("#personal_id", "001190012345")
            page.fill("#password", "correct horse battery")
            page.click("#sign-in")
            sync_api.expect(page.locator("h1")).to_contain_text("Xác thực thêm trên ứng dụng")
            page.screenshot(path=str(SHOTS / "oidc_04_step_up_phone.png"), full_page=True)
        finally:
            browser.close()
