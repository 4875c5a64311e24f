"""The officer console in a real browser, at desktop and phone width: sign in, the work queue (an overdue
application first), open the application (registry facts, history), refuse with no reason (a bilingual error),
then ask for more information; and the traffic path: search the catalogue, record a violation, see the decision,
look up the plate. Each page is scanned with axe-core and photographed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_PASSWORD, SIZES, assert_accessible, screenshot


def _seed(app) -> None:
    from backend.core import clock
    from backend.demo import demo_principal
    from backend.extensions import db
    from backend.registry.models import DrivingLicence, Vehicle
    from backend.registry.reference import sync_administrative_units
    from backend.residence.demo import add_demo_residence
    from tests.backend.helpers import Factory

    with app.app_context():
        session = db.new_session()
        sync_administrative_units(session=session)
        factory = Factory(session)
        owner = factory.citizen(full_name="Nguyễn Văn An")
        factory.account(owner, level=2)
        for name, days_ago in (("Lê Minh Châu", 1), ("Trần Quốc Bảo", 30)):
            applicant = factory.citizen(full_name=name, ward_code="26740", province_code="79", birth_province="079")
            factory.account(applicant, level=2)
            add_demo_residence(
                session=session,
                applicant=demo_principal(session, applicant.personal_id),
                owner=demo_principal(session, owner.personal_id),
                owner_personal_id=owner.personal_id,
                now=clock.now() - timedelta(days=days_ago),
            )
        factory.staff("officer", "00088", username="can.bo", password=E2E_PASSWORD)
        driver = factory.citizen(full_name="Phạm Văn Lái")
        session.add_all(
            [
                Vehicle(
                    plate="30A12345",
                    kind="car",
                    brand="Kia",
                    owner_citizen_id=driver.id,
                    registered_on=date(2020, 1, 1),
                ),
                DrivingLicence(
                    number="010000000777", licence_class="B", citizen_id=driver.id, issued_on=date(2015, 1, 1)
                ),
            ]
        )
        session.commit()
        session.close()


def _sign_in(page, base):
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill("can.bo")
    page.get_by_label("Mật khẩu").fill(E2E_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/")


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


@pytest.mark.parametrize("size", sorted(SIZES))
def test_officer_works_the_residence_queue(live_server, chromium, size):
    _app, base = live_server(seed=_seed)
    page = chromium.new_page(viewport=SIZES[size])
    page.set_default_timeout(5000)
    _sign_in(page, base)
    page.get_by_role("link", name="Hồ sơ chờ xử lý").first.click()
    rows = page.locator("#q-residence ~ .table-wrap tbody tr")
    assert rows.count() == 2
    assert "Quá hạn" in rows.nth(0).inner_text() and "Trần Quốc Bảo" in rows.nth(0).inner_text()
    assert "Còn" in rows.nth(1).inner_text()
    assert_accessible(page)
    _fits(page, SIZES[size]["width"])
    screenshot(page, f"officer-queue-{size}")

    rows.nth(1).get_by_role("link").click()
    expect(page.get_by_role("heading", name="Đăng ký tạm trú")).to_be_visible()
    expect(page.get_by_text("Lê Minh Châu").first).to_be_visible()
    page.get_by_role("radio", name="Từ chối").check()
    page.get_by_role("button", name="Ghi quyết định").click()
    assert page.get_by_role("alert").inner_text().startswith("Hãy ghi lý do")
    assert_accessible(page)
    screenshot(page, f"officer-application-error-{size}")

    page.get_by_role("radio", name="Yêu cầu bổ sung").check()
    page.get_by_role("textbox", name="Lý do").fill("Bổ sung hợp đồng thuê nhà có chữ ký của chủ nhà")
    page.get_by_role("button", name="Ghi quyết định").click()
    assert page.get_by_role("status").inner_text().startswith("Đã ghi quyết định: Yêu cầu bổ sung")
    assert page.get_by_role("button", name="Ghi quyết định").count() == 0  # decided: no second decision
    assert_accessible(page)
    _fits(page, SIZES[size]["width"])
    screenshot(page, f"officer-application-decided-{size}")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_officer_records_a_traffic_violation(live_server, chromium, size):
    _app, base = live_server(seed=_seed)
    page = chromium.new_page(viewport=SIZES[size])
    page.set_default_timeout(5000)
    _sign_in(page, base)
    page.get_by_role("link", name="Xử phạt giao thông").first.click()
    page.get_by_label("Tìm theo mã hoặc từ khóa").fill("đèn tín hiệu")
    page.get_by_label("Tìm theo mã hoặc từ khóa").press("Enter")
    assert_accessible(page)
    _fits(page, SIZES[size]["width"])
    screenshot(page, f"officer-traffic-search-{size}")
    page.get_by_role("link", name="Lập biên bản OTO-DEN-DO", exact=True).click()  # the code: on screen at 390 px
    page.get_by_role("textbox", name="Nơi vi phạm").fill("Ngã tư Tràng Thi – Phố Huế")
    page.get_by_role("textbox", name="Biển số").fill("30A-123.45")
    page.get_by_role("textbox", name="Số GPLX").fill("010000000777")
    assert_accessible(page)
    _fits(page, SIZES[size]["width"])
    screenshot(page, f"officer-traffic-record-{size}")
    page.get_by_role("button", name="Ra quyết định xử phạt").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_text("19.000.000 đ", exact=True)).to_be_visible()
    assert_accessible(page)
    _fits(page, SIZES[size]["width"])
    screenshot(page, f"officer-traffic-decision-{size}")

    page.get_by_role("link", name="Xử phạt giao thông").first.click()
    page.get_by_role("textbox", name="Biển số").fill("30A-123.45")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_text("Phạm Văn Lái").first).to_be_visible()
    expect(page.get_by_text("8 / 12")).to_be_visible()  # the red light cost 4 of 12 points
    assert_accessible(page)
    _fits(page, SIZES[size]["width"])
    screenshot(page, f"officer-traffic-lookup-{size}")
