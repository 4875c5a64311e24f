"""What every browser test shares: Debian's Chromium under Playwright, a live congdan server on a fresh SQLite
database, the two screen sizes people use (a 1440x900 desktop and a 390x844 phone), screenshots for a person to
look at (tests/e2e/screenshots/out/, git-ignored) and an axe-core accessibility scan of a page."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).parent / "screenshots" / "out"
# Installed by the Makefile into the virtualenv running the tests (.venv/npm).
AXE = Path(sys.prefix) / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
E2E_PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.slow)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed"))


def server_config(url: str, **overrides) -> dict:
    """A test server's settings: fast password hashing, no login rate limit, cookies over http://127.0.0.1."""
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "e2e-secret-" + "x" * 32,
        "JWT_SECRET_KEY": "e2e-jwt-" + "y" * 32,
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
        "CONSOLE_COOKIE_SECURE": False,
        **overrides,
    }


@pytest.fixture()
def live_server(tmp_path):
    """`start(seed=None, **config) -> (app, base_url)`: a migrated SQLite database, `seed(app)` run on it, the
    app served on a free loopback port in a thread; stopped and disposed after the test."""
    from werkzeug.serving import make_server

    from backend import create_app, migrate
    from backend.database import make_engine

    running = []

    def start(seed=None, **config):
        url = f"sqlite:///{tmp_path / f'e2e-{len(running)}.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        app = create_app(server_config(url, **config))
        if seed is not None:
            seed(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((app, server, thread))
        return app, f"http://127.0.0.1:{server.server_port}"

    yield start
    for app, server, thread in running:
        server.shutdown()
        thread.join(5)
        app.extensions["congdan.db"]["engine"].dispose()


@pytest.fixture()
def chromium():
    """A headless Chromium (Debian's), closed after the test."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot for a person to look at; returns its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def accessibility_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core (from npm, installed by the Makefile) in the page; the violations of the given impacts, each
    with its rule, help text and the first offending nodes (enough to fix it from the failure message)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make test` (it installs it with npm)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"][:3]],
        }
        for violation in result["violations"]
        if violation["impact"] in impacts
    ]


def assert_accessible(page) -> None:
    violations = accessibility_violations(page)
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)
