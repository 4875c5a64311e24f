"""The verification page as a phone and a desk browser show it: Playwright drives Debian's Chromium to the URL
that zbar reads from a rendered document's QR, for a valid, a revoked and a tampered document.
Screenshots go to tests/e2e/screenshots/out/ (git-ignored) for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import SIZES, screenshot

sync_api = pytest.importorskip("playwright.sync_api")


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


def test_the_page_says_valid_revoked_tampered_on_desktop_and_phone(live_server, request, tmp_path):
    app, base_url = live_server()
    app.config["PUBLIC_BASE_URL"] = base_url  # the printed QR points at this server
    links = _issue_three(app, tmp_path)
    # Only now: Playwright's sync API runs an event loop in this thread, and pyHanko's signing (above) calls
    # asyncio.run, which refuses to start inside one.
    chromium = request.getfixturevalue("chromium")
    assert all(link.upper().startswith(base_url.upper() + "/V/") for link in links.values())
    headlines = {
        "valid": "Văn bản hợp lệ",
        "revoked": "Văn bản đã bị thu hồi",
        "tampered": "Không xác thực được văn bản",
    }
    for device, viewport in SIZES.items():
        context = chromium.new_context(
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
            screenshot(page, f"document_{status}_{device}")
        context.close()
