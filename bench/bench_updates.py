"""Kiosk software updates, timed end to end over HTTP on loopback: signing a release into the TUF repository,
a kiosk's update check when nothing is due (the cost every kiosk pays every interval), and one full update:
TUF refresh + download + verification, unpacking into the spare slot and the switch, then the health check
(selfcheck inside the new slot + a heartbeat) that confirms it.

    python bench/bench_updates.py [--releases 5] [--idle-checks 50]
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=5)
    parser.add_argument("--idle-checks", type=int, default=50)
    options = parser.parse_args()

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from backend import create_app, migrate
    from backend.core import clock
    from backend.database import make_engine
    from backend.extensions import db
    from backend.updates import tuf_repository
    from kiosk_app.services.fleet_agent import FleetAgent, RequestsTransport
    from kiosk_app.updater.agent import UpdateAgent, UpdateHooks
    from kiosk_app.updater.slots import SlotStore
    from kiosk_app.updater.verification import ReleaseVerifier
    from tests.backend.conftest import app_config
    from tests.backend.fleet.fleet_data import add_hospital, create_code
    from tests.backend.helpers import Factory, bearer, login
    from tests.backend.updates.update_kit import kiosk_package
    from tests.kiosk_app.live_backend import LiveBackend

    folder = Path(tempfile.mkdtemp(prefix="bench-updates-"))
    url = f"sqlite:///{folder / 'backend.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(app_config(url))
    with app.app_context():
        hospital = add_hospital(db.session)
        admin = Factory(db.session).staff("fleet_admin", username="fleet.admin.bench")
        root = tuf_repository.sign_root(session=db.session, root_keys=[Ed25519PrivateKey.generate()], now=clock.now())
        hospital_code, root_json = hospital.code, root.body.encode()
        db.session.commit()
    client = app.test_client()
    headers = bearer(login(client, admin.username)["access_token"])
    backend = LiveBackend(app).start()
    try:
        packages = [kiosk_package(f"1.{n}.0") for n in range(1, options.releases + 1)]
        publish = []
        release = None
        for n, package in enumerate(packages, start=1):
            started = time.perf_counter()
            release = client.post(
                "/api/v1/fleet/updates/releases",
                headers=headers,
                data={"version": f"1.{n}.0", "file": (io.BytesIO(package), "k.tar.gz")},
                content_type="multipart/form-data",
            ).get_json()
            publish.append(time.perf_counter() - started)

        data = folder / "kiosk"
        fleet = FleetAgent(data, transport=RequestsTransport(backend.url), app_version="1.0.0")
        fleet.enroll(create_code(client, headers, hospital_code)["code"])
        slots = SlotStore(data / "software")
        slots.initialise(kiosk_package("1.0.0"))

        def heartbeat(version: str) -> bool:
            fleet.app_version = version
            return fleet.heartbeat().accepted

        agent = UpdateAgent(
            slots,
            call=fleet.channel.call,
            verifier=ReleaseVerifier(data, backend.url, root_json),
            hooks=UpdateHooks(heartbeat=heartbeat, extra_env={"CONGDAN_SIMULATOR_PKI_DIR": str(folder / "pki")}),
        )
        idle = []
        for _ in range(options.idle_checks):
            started = time.perf_counter()
            assert agent.check_once() == "nothing"
            idle.append(time.perf_counter() - started)

        client.post(
            "/api/v1/fleet/updates/rollouts",
            headers=headers,
            json={"release_id": release["id"], "canary_kiosk_ids": [fleet.kiosk_id], "outside_clinic_hours": False},
        )
        started = time.perf_counter()
        assert agent.check_once() == "switched"
        switched = time.perf_counter() - started
        started = time.perf_counter()
        assert agent.after_start(slots.boot()) == "confirmed"
        confirmed = time.perf_counter() - started
    finally:
        backend.close()

    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.platform(terse=True)}")
    print(f"package size: {len(packages[-1]) / 1024:.0f} KiB (kiosk_app of this tree, tar.gz)")
    print(f"upload + sign targets/snapshot/timestamp, median of {len(publish)}: {_ms(statistics.median(publish))}")
    print(
        f"update check with nothing due (signed request), median of {len(idle)}: {_ms(statistics.median(idle))}, "
        f"p95 {_ms(sorted(idle)[int(len(idle) * 0.95) - 1])}"
    )
    print(f"offer + TUF refresh + download + verify + unpack + switch: {_ms(switched)}")
    print(f"health check after the restart (selfcheck in the slot + heartbeat) and confirm: {_ms(confirmed)}")


if __name__ == "__main__":
    main()
