"""Power cuts during an update: the kiosk's updater runs as its own process against the live backend over
HTTP and is killed with SIGKILL while downloading and around the switch; the next start (the boot guard and
health check, `python -m kiosk_app.updater launch`) comes back on a working version every time."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.core import clock
from backend.extensions import db
from backend.updates import tuf_repository
from kiosk_app.services.fleet_agent import FleetAgent, RequestsTransport
from kiosk_app.updater.slots import SlotStore
from tests.backend.fleet.fleet_data import add_hospital, create_code
from tests.backend.helpers import Factory, bearer, login
from tests.backend.updates.update_kit import kiosk_package
from tests.kiosk_app.live_backend import LiveBackend

ROOT = Path(__file__).resolve().parents[3]
# These tests are about the kiosk's process and its disk, not the database: run them once, in the SQLite suite.
pytestmark = pytest.mark.skipif(
    os.environ.get("CONGDAN_TEST_DATABASE") == "postgresql", reason="kiosk-side; already run in the SQLite suite"
)
POWER_CUT = Path(__file__).with_name("power_cut.py")


@pytest.fixture()
def fleet(make_app, tmp_path, v1_package, v2_package, tmp_path_factory):
    """A live backend with v2.0.0 released to one canary kiosk, enrolled in tmp_path/kiosk on v1.0.0."""
    app = make_app(CONSOLE_COOKIE_SECURE=False)
    with app.app_context():
        hospital = add_hospital(db.session)
        admin = Factory(db.session).staff("fleet_admin", username="fleet.admin.power")
        row = tuf_repository.sign_root(session=db.session, root_keys=[Ed25519PrivateKey.generate()], now=clock.now())
        hospital_code, root_json = hospital.code, row.body
        db.session.commit()
    client = app.test_client()
    headers = bearer(login(client, admin.username)["access_token"])
    backend = LiveBackend(app).start()
    data = tmp_path / "kiosk"
    agent = FleetAgent(data, transport=RequestsTransport(backend.url), app_version="1.0.0")
    agent.enroll(create_code(client, headers, hospital_code)["code"])
    (data / "update-root.json").write_text(root_json, encoding="utf-8")
    SlotStore(data / "software").initialise(v1_package)
    release = client.post(
        "/api/v1/fleet/updates/releases",
        headers=headers,
        data={"version": "2.0.0", "file": (io.BytesIO(v2_package), "kiosk_app-2.0.0.tar.gz")},
        content_type="multipart/form-data",
    ).get_json()
    started = client.post(
        "/api/v1/fleet/updates/rollouts",
        headers=headers,
        json={"release_id": release["id"], "canary_kiosk_ids": [agent.kiosk_id], "outside_clinic_hours": False},
    )
    assert started.status_code == 201, started.get_json()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CONGDAN_API_URL": backend.url,
        "CONGDAN_KIOSK_DATA": str(data),
        "CONGDAN_SIMULATOR_PKI_DIR": str(tmp_path_factory.getbasetemp() / "power-cut-pki"),
    }
    yield env, SlotStore(data / "software")
    backend.close()


def run(env, *argv: str) -> int:
    # cwd outside the slots: the updater itself runs from the base installation, never from a slot.
    return subprocess.run([sys.executable, *argv], env=env, cwd=ROOT, timeout=120, check=False).returncode


def updater(env, command: str, *options: str) -> int:
    return run(env, "-m", "kiosk_app.updater", command, *options)


def running(slots: SlotStore) -> str:
    return slots.version_of(slots.active_slot())


def test_power_cut_during_the_download(fleet):
    env, slots = fleet
    assert run(env, str(POWER_CUT), "download") == -signal.SIGKILL
    assert updater(env, "launch", "--no-exec") == 0 and running(slots) == "1.0.0"
    # The next check fetches the package again, verifies it and switches; the start after it confirms.
    assert updater(env, "check") == 3
    assert updater(env, "launch", "--no-exec") == 0 and running(slots) == "2.0.0"
    assert slots.state()["last_result"]["state"] == "confirmed"


def test_power_cut_before_the_switch(fleet):
    env, slots = fleet
    assert run(env, str(POWER_CUT), "before-switch") == -signal.SIGKILL
    assert slots.state()["pending"]["slot"] == "B" and slots.active_slot() == "A"
    assert updater(env, "launch", "--no-exec") == 0 and running(slots) == "1.0.0"
    assert slots.state()["pending"] is None


def test_power_cut_right_after_the_switch(fleet):
    env, slots = fleet
    assert run(env, str(POWER_CUT), "after-switch") == -signal.SIGKILL
    assert slots.active_slot() == "B"
    # The start checks the unconfirmed slot (selfcheck inside it, a heartbeat as 2.0.0) and confirms it.
    assert updater(env, "launch", "--no-exec") == 0 and running(slots) == "2.0.0"
    assert slots.state()["pending"] is None and slots.state()["last_result"]["state"] == "confirmed"


def test_a_broken_release_cut_after_the_switch_comes_back_on_the_old_slot(fleet, tmp_path):
    env, slots = fleet
    broken = kiosk_package("3.0.0", broken=True)
    # Installed directly (as if verified), switched, then the power goes: the start must not keep 3.0.0.
    slots.unpack(broken, "B")
    slots.switch_to("B", version="3.0.0", rollout_id=None)
    assert updater(env, "launch", "--no-exec") == 4 and running(slots) == "1.0.0"
    assert "chip reads broken" in slots.state()["last_result"]["detail"]
