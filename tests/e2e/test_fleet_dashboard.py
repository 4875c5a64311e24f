"""The fleet dashboard in a real browser: Playwright drives Debian's Chromium against a live server.

A fleet admin logs in, finds the offline kiosk (why and since when, its vitals marked stale), sends it a lock
command (shown as pending until the kiosk reports itself locked); the kiosk (a simulated agent over HTTP) comes
back, runs and acknowledges it, and the dashboard shows it; an alert is acknowledged and resolved with a note;
clinics are ticked from the hospital's list. On a desktop (1440×900) and a phone (390×844, where the menu and
logout must stay on screen). Screenshots go to tests/e2e/screenshots/out/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import threading
from datetime import time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

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
PASSWORD = "correct horse battery"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def _seed(app) -> None:
    from backend.auth import passwords
    from backend.auth.models import Account
    from backend.extensions import db
    from backend.health.models import Department, Hospital

    with app.app_context():
        session = db.new_session()
        session.add_all(
            [
                Hospital(
                    code="BV-BACHMAI",
                    name="Bệnh viện Bạch Mai",
                    name_en="Bach Mai Hospital",
                    level="central",
                    province_code="01",
                    facility_code="01929",
                ),
                Hospital(
                    code="BV-CHORAY",
                    name="Bệnh viện Chợ Rẫy",
                    name_en="Cho Ray Hospital",
                    level="central",
                    province_code="79",
                    facility_code="79001",
                ),
                Account(
                    username="fleet.admin",
                    password_hash=passwords.hash_password(PASSWORD),
                    role="fleet_admin",
                    level=2,
                    display_name="Quản trị ki-ốt",
                ),
            ]
        )
        session.flush()
        bach_mai = session.scalar(sa.select(Hospital).where(Hospital.code == "BV-BACHMAI"))
        for code, name, name_en in (("NOI", "Khoa Nội", "Internal medicine"), ("NHI", "Khoa Nhi", "Paediatrics")):
            session.add(
                Department(
                    hospital_id=bach_mai.id, code=code, name=name, name_en=name_en, opens_at=time(7), closes_at=time(17)
                )
            )
        session.commit()
        session.close()


@pytest.fixture()
def server(tmp_path):
    from werkzeug.serving import make_server

    from backend import create_app, migrate
    from backend.database import make_engine

    url = f"sqlite:///{tmp_path / 'fleet.db'}"
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
            "CONSOLE_COOKIE_SECURE": False,
        }
    )  # http://127.0.0.1 in this test only
    _seed(app)
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{http_server.server_port}"
    http_server.shutdown()
    thread.join(5)
    app.extensions["congdan.db"]["engine"].dispose()


def _enroll_fleet(app, base_url: str, tmp_path: Path):
    """Three kiosks over HTTP: one busy and healthy, one out of paper, one gone silent (offline)."""
    import requests

    from backend.database import utcnow
    from backend.extensions import db
    from backend.fleet import ingest
    from backend.fleet.models import Kiosk
    from kiosk_app.services.fleet_agent import AgentHooks, FleetAgent, RequestsTransport

    api = requests.Session()
    token = api.post(f"{base_url}/api/v1/auth/login", json={"username": "fleet.admin", "password": PASSWORD}).json()[
        "access_token"
    ]
    api.headers["Authorization"] = f"Bearer {token}"
    agents = {}
    for name, hospital, label in (
        ("busy", "BV-BACHMAI", "Sảnh chính, tầng 1"),
        ("paper", "BV-BACHMAI", "Khoa Khám bệnh, tầng 2"),
        ("silent", "BV-CHORAY", "Cổng số 3, khu B"),
    ):
        code = api.post(
            f"{base_url}/api/v1/fleet/enrollment-codes",
            json={"hospital_code": hospital, "location_label": label},
        ).json()["code"]
        hooks = AgentHooks()
        agent = FleetAgent(tmp_path / name, transport=RequestsTransport(base_url), app_version="1.4.2", hooks=hooks)
        agent.enroll(code, serial_number=f"SN-{name}")
        agents[name] = agent
    agents["paper"].hooks.vitals = lambda: {
        "devices": {"card_reader": "ok", "camera": "ok", "printer": "paper_out"},
        "paper_low": True,
        "outbox_backlog": 4,
    }
    for agent in agents.values():
        for index in range(12):
            agent.record_scan("chip" if index % 3 else "cccd_qr", succeeded=index % 5 != 0)
            agent.record_step("identify", 5200)
            agent.record_step("ticket", 1800)
            agent.record_checkin()
        agent.heartbeat()
    with app.app_context():
        session = db.new_session()
        now = utcnow()
        # A day of history for the busy kiosk's chart, and the silent kiosk's last heartbeat 20 minutes ago.
        for hours_ago in range(1, 24):
            scans = 20 + (hours_ago * 7) % 25
            heartbeat = {
                "devices": {"printer": "ok"},
                "outbox_backlog": 0,
                "metrics": {
                    "scans": {"chip": {"attempted": scans, "succeeded": scans - hours_ago % 4}},
                    "checkins_completed": scans - 5,
                    "step_ms": {"identify": {"count": 10, "total_ms": 52000}},
                },
            }
            beat = ingest.Beat(agents["busy"].kiosk_id, heartbeat, now - timedelta(hours=hours_ago))
            ingest.write_buckets(session, [beat])
        session.get(Kiosk, agents["silent"].kiosk_id).last_seen_at = now - timedelta(minutes=20)
        session.commit()
        session.close()
    return agents


VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_admin_finds_the_offline_kiosk_and_locks_it(server, tmp_path, device):
    app, base_url = server
    agents = _enroll_fleet(app, base_url, tmp_path)
    silent = agents["silent"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    viewport = VIEWPORTS[device]

    def shot(name: str) -> None:
        # Nothing wider than the screen: tables scroll inside their cards, the page itself never sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
        page.screenshot(path=str(SHOTS / f"{device}_{name}.png"), full_page=True)

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport=viewport, locale="vi-VN")
        page.on("dialog", lambda dialog: dialog.accept())
        try:
            page.goto(f"{base_url}/fleet/")
            assert page.url.endswith("/login")
            shot("01_login")
            page.fill("input[name=username]", "fleet.admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(f"{base_url}/fleet/")
            sync_api.expect(page.locator("section.hospitals .card")).to_have_count(2)
            # The menu and logout stay on screen, whatever the width.
            for control in ("header.top .logout button", "header.top nav a[href$='/fleet/alerts']"):
                box = page.locator(control).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (control, box)
            shot("02_overview")

            page.click("a[data-filter=offline]")
            rows = page.locator("table.kiosks tbody tr[data-connectivity=offline]")
            sync_api.expect(rows).to_have_count(1)
            sync_api.expect(rows.first).to_have_attribute("data-kiosk", silent.kiosk_id)
            sync_api.expect(rows.first.locator("[data-down]")).to_contain_text("Ngừng từ")
            sync_api.expect(rows.first.locator("[data-stale]")).to_be_visible()
            shot("03_offline_filter")

            rows.first.locator("a").first.click()
            page.wait_for_url(f"{base_url}/fleet/kiosks/{silent.kiosk_id}")
            sync_api.expect(page.locator("#vitals [data-stale]")).to_contain_text("20 phút trước")
            page.select_option("#command-kind", "lock")
            page.fill("input[name=message]", "Tạm ngưng để bảo trì")
            page.click("form[data-confirm] button.primary")
            sync_api.expect(page.locator("tr[data-kind=lock]")).to_have_attribute("data-state", "queued")
            # Sent is not obeyed: until the kiosk reports it, the badge says pending, not locked.
            sync_api.expect(page.locator("[data-lock=pending]")).to_be_visible()
            sync_api.expect(page.locator("[data-lock=reported]")).to_have_count(0)
            shot("04_lock_queued")

            # The kiosk comes back online, gets the lock with its heartbeat reply and acknowledges it.
            outcome = silent.heartbeat()
            assert [(kind, status) for _, kind, status in outcome.commands] == [("lock", "succeeded")]
            silent.heartbeat()
            page.reload()
            sync_api.expect(page.locator("tr[data-kind=lock]")).to_have_attribute("data-state", "succeeded")
            sync_api.expect(page.locator("[data-lock=reported]")).to_be_visible()
            sync_api.expect(page.locator("[data-lock=pending]")).to_have_count(0)
            sync_api.expect(page.locator("#vitals [data-stale]")).to_have_count(0)
            shot("05_lock_acknowledged")

            page.goto(f"{base_url}/fleet/kiosks/{agents['busy'].kiosk_id}")
            sync_api.expect(page.locator("svg.chart")).to_be_visible()
            shot("06_kiosk_metrics")

            page.goto(f"{base_url}/fleet/alerts")
            paper = page.locator("tr[data-alert]", has_text="Máy in hết giấy").first
            sync_api.expect(paper).to_have_attribute("data-state", "open")
            paper.locator("button", has_text="Nhận xử lý").click()
            paper = page.locator("tr[data-alert]", has_text="Máy in hết giấy").first
            sync_api.expect(paper).to_have_attribute("data-state", "acknowledged")
            paper.locator("input[name=note]").fill("Đã thay cuộn giấy mới")
            paper.locator("button", has_text="Đóng").click()
            page.goto(f"{base_url}/fleet/alerts?state=resolved")
            sync_api.expect(page.locator("text=Đã thay cuộn giấy mới").first).to_be_visible()
            shot("07_alerts")

            page.goto(f"{base_url}/fleet/enrollment-codes")
            page.fill("input[name=location_label]", "Sảnh chờ, tầng 3")
            page.click("form button.primary")
            sync_api.expect(page.locator("#new-code")).to_be_visible()
            shot("08_enrollment_code")

            page.goto(f"{base_url}/fleet/profiles")
            page.select_option("#profile-target", "h:BV-BACHMAI")
            sync_api.expect(page.locator("fieldset.clinics[data-hospital=BV-BACHMAI]")).to_be_visible()
            page.check("input[value='BV-BACHMAI:NHI']")
            page.click("form.grid-form button.primary")
            sync_api.expect(page.locator("text=NHI").first).to_be_visible()
            shot("09_profiles")
        finally:
            browser.close()
