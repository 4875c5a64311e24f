"""The front door and the API documentation in a real browser with every other host cut off (as on a network
without internet): `/` is readable and accessible at both sizes, its document-code form reaches the verification
page, and Swagger UI renders the API from the app's own files."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import SIZES, assert_accessible, screenshot


def _offline(page, base: str) -> list[str]:
    """Cut every request to another host; returns the list of those it tried."""
    tried = []
    host = urlparse(base).netloc

    def route(route):
        if urlparse(route.request.url).netloc == host:
            route.continue_()
        else:
            tried.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return tried


@pytest.mark.parametrize("size", sorted(SIZES))
def test_front_door_and_offline_api_docs(live_server, chromium, size):
    _app, base = live_server()
    page = chromium.new_page(viewport=SIZES[size])
    page.set_default_timeout(10000)
    tried = _offline(page, base)
    page.goto(base + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("congdan — dịch vụ công")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    screenshot(page, f"front-door-{size}")

    page.get_by_role("textbox", name="Mã văn bản").fill("ABC123.XYZ")
    page.get_by_role("button", name="Kiểm tra").click()
    assert "/v/" in page.url.lower() and page.locator("#verdict").get_attribute("data-status") == "tampered"

    page.goto(base + "/")
    page.get_by_role("link", name="Tài liệu API").click()
    page.locator(".swagger-ui .info .title").wait_for()
    assert "congdan API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator("#operations-auth-post_api_v1_auth_login").wait_for()
    # Swagger UI renders a long operations list virtually (what is near the screen): ask it what it loaded.
    assert page.evaluate("window.ui.specSelectors.taggedOperations().size") >= 15
    screenshot(page, f"api-docs-{size}")
    assert tried == []
