"""The verification page as a phone and a desk browser show it: Playwright drives Debian's Chromium to the URL
that zbar reads from a rendered document's QR, for a valid, a revoked and a tampered document.
Screenshots go to tests/e2e/screenshots/out/ (git-ignored) for a person to look at."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

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
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")]


@pytest.fixture()
def server(tmp_path):
    from werkzeug.serving import make_server

    from backend import create_app, migrate
    from backend.database import make_engine

    url = f"sqlite:///{tmp_path / 'documents.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    config = {
        "ENV_NAME": "testing",
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "e2e-secret-" + "x" * 32,
        "JWT_SECRET_KEY": "e2e-jwt-" + "y" * 32,
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
    }
    app = create_app(config)
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{http_server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base_url  # the printed QR points at this server
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    yield app, base_url
    http_server.shutdown()
    thread.join(5)
    app.extensions["congdan.db"]["engine"].dispose()


def _issue_three(app, tmp_path: Path) -> dict[str, str]:
    """A valid and a revoked residence confirmation (their QR links, read by zbar off a 150 dpi render),
    and a forged link: the valid document's id with another key."""
    from backend.core import clock
    from backend.documents import service
    from backend.extensions import db
    from backend.registry.models import Citizen
    from backend.registry.reference import sync_administrative_units
    from backend.residence import registration
    from hardware.qr import QrKind, classify_qr, decode
    from tests.backend.documents.conftest import rasterize

    links = {}
    with app.app_context():
        session = db.session
        sync_administrative_units(session=session)
        for status in ("valid", "revoked"):
            citizen = Citizen(
                personal_id="001190012345" if status == "valid" else "001090054321",
                full_name="Nguyễn Thị Ánh Tuyết",
                name_folded="nguyen thi anh tuyet",
                sex="female",
                date_of_birth=__import__("datetime").date(1990, 7, 15),
                permanent_ward_code="00001",
                permanent_street="Số 5 Phố Huế",
                permanent_province_code="01",
            )
            session.add(citizen)
            session.flush()
            document = registration.issue_confirmation(
                session=session, citizen=citizen, include_history=False, now=clock.now() - timedelta(minutes=1)
            )
            if status == "revoked":
                service.revoke_for_holder(
                    session=session,
                    citizen_id=citizen.id,
                    doc_type="residence-confirmation",
                    reason="residence-changed",
                )
            page = Image.open(rasterize(document.pdf, tmp_path, f"e2e-{status}", 150)).convert("L")
            (link,) = [p for p in decode(np.asarray(page), fallback=False) if classify_qr(p) is QrKind.DOCUMENT_LINK]
            links[status] = link
        session.commit()
    last = links["valid"][-1]
    links["tampered"] = links["valid"][:-1] + ("Z" if last != "Z" else "Y")
    return links


def test_the_page_says_valid_revoked_tampered_on_desktop_and_phone(server, tmp_path):
    app, base_url = server
    links = _issue_three(app, tmp_path)
    assert all(link.upper().startswith(base_url.upper() + "/V/") for link in links.values())
    SHOTS.mkdir(parents=True, exist_ok=True)
    headlines = {
        "valid": "Văn bản hợp lệ",
        "revoked": "Văn bản đã bị thu hồi",
        "tampered": "Không xác thực được văn bản",
    }
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for device, viewport in VIEWPORTS.items():
                context = browser.new_context(
                    viewport=viewport,
                    locale="vi-VN",
                    is_mobile=device == "phone",
                    device_scale_factor=2 if device == "phone" else 1,
                )
                page = context.new_page()
                for status, link in links.items():
                    response = page.goto(link)  # the QR's text, exactly as a phone camera opens it
                    assert response is not None and response.status == 200
                    verdict = page.locator("#verdict")
                    assert verdict.get_attribute("data-status") == status
                    sync_api.expect(page.locator("#verdict h1")).to_have_text(headlines[status])
                    if status != "tampered":
                        assert page.locator("#number").inner_text().endswith("/XNCT-CAX00001")
                    body = page.locator("body").inner_text()
                    assert "Nguyễn Thị Ánh Tuyết" not in body and "001190012345" not in body
                    # Nothing runs off the side of a phone's screen.
                    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                    page.screenshot(path=str(SHOTS / f"document_{status}_{device}.png"), full_page=True)
                context.close()
        finally:
            browser.close()
