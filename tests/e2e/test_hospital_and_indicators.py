"""The hospital staff console, the waiting-room screen and the Project 06 dashboard in a real browser, at desktop
and phone width: the staff member's main path (queue → call next → skip → recall → help call acknowledged and
resolved), the public screen through its signed link, and a province leader's dashboard → drill-down → export.
Every page passes the axe-core scan; screenshots go to tests/e2e/screenshots/out/."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_PASSWORD, SIZES, assert_accessible, screenshot


def _seed(app) -> None:
    from backend.auth import passwords
    from backend.auth.models import Account
    from backend.consoles import demo_activity
    from backend.core import clock
    from backend.core.access import Principal
    from backend.extensions import db
    from backend.fleet import help_requests
    from backend.health.models import KioskRegistration
    from backend.registry.models import Citizen
    from backend.registry.reference import sync_administrative_units
    from backend.residence.models import ResidenceApplication
    from shared_schemas import personal_id
    from shared_schemas.text import fold
    from tests.backend.health.hospital_data import add_hospital

    with app.app_context():
        session = db.new_session()
        sync_administrative_units(session=session)
        hospital = add_hospital(session)
        accounts = {}
        for username, role, scope in (
            ("kiosk.test", "kiosk", hospital.code),
            ("nv.benhvien", "hospital_staff", hospital.code),
            ("lanh.dao.hn", "officer", "01"),
        ):
            accounts[username] = Account(
                username=username,
                password_hash=passwords.hash_password(E2E_PASSWORD),
                role=role,
                level=2,
                display_name={"kiosk.test": "Ki-ốt 1", "nv.benhvien": "Điều dưỡng Lan", "lanh.dao.hn": "Lãnh đạo"}[
                    username
                ],
                scope_code=scope,
            )
            session.add(accounts[username])
        session.flush()
        session.add(
            KioskRegistration(
                account_id=accounts["kiosk.test"].id,
                hospital_id=hospital.id,
                provisional_block=0,
                created_at=clock.now(),
            )
        )
        names = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Gấm")
        people = []
        for index, name in enumerate(names):
            female = "Thị" in name
            people.append(
                Citizen(
                    personal_id=personal_id.compose(
                        "001", "female" if female else "male", 1980 + index, f"{index * 7919 + 500_000:06d}"
                    ),
                    full_name=name,
                    name_folded=fold(name),
                    sex="female" if female else "male",
                    date_of_birth=date(1980 + index, 3, 4),
                    permanent_ward_code="00088",
                    permanent_street="Số 1 Phố Huế",
                    permanent_province_code="01",
                )
            )
        session.add_all(people)
        session.flush()

        def principal(username):
            account = accounts[username]
            return Principal(
                account_id=account.id,
                role=account.role,
                level=2,
                label=username,
                family_id="e2e",
                scope_code=account.scope_code,
            )

        demo_activity.add_hospital_morning(
            session=session, kiosk=principal("kiosk.test"), staff=principal("nv.benhvien"), patients=len(people)
        )
        help_requests.request_help(
            session=session,
            principal=principal("kiosk.test"),
            screen="insurance",
            reason="patient_asked",
            detail=None,
            language="vi",
            assisted=True,
            now=clock.now(),
            public_id="e2e0help0000000000000000000000ab",
        )
        today, now = clock.today(), clock.now()
        for index, (due_in, decided) in enumerate(((3, True), (-2, True), (-1, False), (5, True))):
            session.add(
                ResidenceApplication(
                    kind="registration",
                    applicant_citizen_id=people[index].id,
                    ward_code="00004",
                    province_code="01",
                    street="Số 2 Phố Mẫu",
                    street_folded="so 2 pho mau",
                    legal_basis="owner",
                    reason="Làm việc",
                    start_date=today,
                    end_date=today + timedelta(days=180),
                    status="approved" if decided else "under_review",
                    submitted_at=now,
                    received_at=now,
                    due_on=today + timedelta(days=due_in),
                    decided_at=now if decided else None,
                )
            )
        session.commit()
        session.close()


def _sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(E2E_PASSWORD)
    page.locator("#password").press("Enter")


def _new_page(chromium, size):
    """bypass_csp: the pages' CSP forbids inline script, and the axe-core scan is injected as one."""
    return chromium.new_page(viewport=SIZES[size], bypass_csp=True)


def _fits(page, locator, size):
    box = locator.bounding_box()
    assert box["x"] + box["width"] <= SIZES[size]["width"] + 1


@pytest.mark.parametrize("size", sorted(SIZES))
def test_hospital_staff_main_path_and_the_waiting_room(live_server, chromium, size):
    _app, base = live_server(seed=_seed)
    page = _new_page(chromium, size)
    _sign_in(page, base, "nv.benhvien")
    page.wait_for_url(f"{base}/console/hospital/")
    expect(page.get_by_text("1 yêu cầu hỗ trợ đang chờ")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"hospital-overview-{size}")
    display = page.locator("a.display-link").get_attribute("href")

    page.get_by_role("link", name="Phòng khám Nội").click()
    call = page.get_by_role("button", name="Gọi số tiếp theo")
    _fits(page, call, size)
    assert_accessible(page)
    call.click()
    flash = page.locator("p.flash")
    assert "Đã gọi số" in flash.inner_text()
    number = flash.inner_text().split("Đã gọi số ")[1].split(".")[0]
    page.get_by_role("button", name=f"Vắng, bỏ qua số {number}").click()
    assert f"Số {number} vắng mặt" in page.locator("p.flash").inner_text()
    page.get_by_role("button", name=f"Gọi lại số {number}").click()
    assert f"Đã gọi lại số {number}" in page.locator("p.flash").inner_text()
    assert_accessible(page)
    screenshot(page, f"hospital-queue-{size}")

    page.get_by_role("link", name="Tiếp đón hôm nay").click()
    page.wait_for_url("**/checkins")
    expect(page.get_by_text("Mã QR in trên thẻ: chỉ là dữ liệu, chưa xác minh").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"hospital-checkins-{size}")

    page.get_by_role("link", name="Yêu cầu hỗ trợ").click()
    page.wait_for_url("**/help")
    page.get_by_role("button", name="Tôi đến ngay").click()
    page.get_by_label("Đã xử lý thế nào").fill("Đã hướng dẫn người bệnh chọn lại thẻ BHYT")
    page.get_by_role("button", name="Đã xong").click()
    page.wait_for_url("**/help?msg=resolved")
    expect(page.get_by_text("Đã hướng dẫn người bệnh chọn lại thẻ BHYT")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"hospital-help-{size}")

    screen = _new_page(chromium, size)  # the waiting-room TV: no login
    screen.goto(display)
    expect(screen.locator(f'.number[data-call^="NOI-{number}-"]')).to_be_visible()
    assert "Nguyễn" not in screen.content()
    assert_accessible(screen)
    screenshot(screen, f"waiting-room-{size}")

    # The patient was seen: "Xong" takes the number off the staff's list of calls (and off the board).
    page.goto(f"{base}/console/hospital/queues/NOI")
    page.get_by_role("button", name=f"Xong số {number}").click()
    assert f"Số {number} đã xong" in page.locator("p.flash").inner_text()
    expect(page.get_by_role("button", name=f"Xong số {number}")).to_have_count(0)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_province_leader_dashboard_drill_down_and_export(live_server, chromium, size):
    _app, base = live_server(seed=_seed)
    page = _new_page(chromium, size)
    _sign_in(page, base, "lanh.dao.hn")
    page.wait_for_load_state()
    page.goto(f"{base}/console/indicators/")
    expect(page.get_by_role("heading", name="Tỷ lệ giải quyết đúng hạn")).to_be_visible()
    assert page.locator("svg.trend").count() == 5
    assert_accessible(page)
    screenshot(page, f"indicators-dashboard-{size}")

    page.get_by_role("link", name="2 điểm mất: Hồ sơ giải quyết trễ hạn hoặc đang quá hạn").click()
    page.wait_for_url("**/on_time/lost**")
    assert page.locator("tbody tr").count() == 2
    assert_accessible(page)
    screenshot(page, f"indicators-lost-{size}")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert "TT-" in Path(download.value.path()).read_text(encoding="utf-8-sig")
