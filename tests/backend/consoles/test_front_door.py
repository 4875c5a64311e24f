"""The front door and the API documentation: `/` says what this is and links onwards; Swagger UI's files are
served by the app itself, so /api/docs references no other host and works without internet."""

from __future__ import annotations

import re

import pytest


@pytest.fixture()
def web(app):
    return app.test_client()


def test_front_door_is_vietnamese_first_and_links_onwards(web):
    response = web.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'lang="vi"' in page and "dịch vụ công" in page
    assert page.index("Đăng nhập cán bộ") < page.index("Staff login")
    for target in (
        'href="/login"',
        'href="/api/docs"',
        'href="/api/openapi.json"',
        "/.well-known/openid-configuration",
    ):
        assert target in page
    assert '<label for="code">' in page


def test_front_door_in_english_when_chosen(web):
    web.set_cookie("congdan_lang", "en")
    page = web.get("/").get_data(as_text=True)
    assert 'lang="en"' in page and page.index("Staff login") < page.index("Đăng nhập cán bộ")


def test_document_code_goes_to_the_verification_page(web):
    response = web.get("/verify", query_string={"code": " https://congdan.example/v/AB12CD.XY34Z "})
    assert response.status_code == 302 and response.headers["Location"].lower().endswith("/v/ab12cd.xy34z")


@pytest.mark.parametrize("code", ["", "no-dot", "AB.CD/../x", "A" * 30 + "." + "B" * 15, "//evil.example.AB"])
def test_malformed_document_code_is_refused_on_the_front_door(web, code):
    response = web.get("/verify", query_string={"code": code})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and 'aria-invalid="true"' in page


def test_swagger_ui_page_references_no_other_host(web):
    response = web.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert not re.search(r"(src|href)=\"(https?:)?//", page), page
    assets = re.findall(r"(?:src|href)=\"(/api/docs/assets/[^\"]+)\"", page)
    assert {a.rsplit("/", 1)[1] for a in assets} == {
        "swagger-ui.css",
        "swagger-ui-standalone-preset.js",
        "swagger-ui-bundle.js",
    }
    assert '"validatorUrl": null' in page  # the default would call a public validator service
    for asset in assets:
        served = web.get(asset)
        assert served.status_code == 200 and len(served.data) > 10_000
        assert served.mimetype in ("text/css", "text/javascript", "application/javascript")
        served.close()


def test_swagger_assets_serve_only_the_ui_files(web):
    assert web.get("/api/docs/assets/LICENSE").status_code == 404
    assert web.get("/api/docs/assets/../../flask_swagger_ui.py").status_code == 404
    assert web.get("/api/docs/assets/index.template.html").status_code == 404


@pytest.mark.parametrize(
    ("listen", "base"), [("127.0.0.1:5000", "http://127.0.0.1:5000"), ("0.0.0.0:80", "http://127.0.0.1:80")]
)
def test_make_run_announces_where_to_go(listen, base):
    from backend.front.serve import addresses

    text = addresses(listen)
    for path in ("/", "/login", "/api/docs", "/.well-known/openid-configuration"):
        assert f"{base}{path}\n" in text + "\n"


def test_demo_banner_needs_demo_data(make_app):
    result = make_app().test_cli_runner().invoke(args=["demo-banner"])
    assert result.exit_code != 0 and "seed-demo" in result.output
