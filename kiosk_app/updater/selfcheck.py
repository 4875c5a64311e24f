"""`python -m kiosk_app.updater.selfcheck`, run from inside a freshly installed slot: the kiosk's own signals
that this version works — its modules load (the app starts), the simulated devices answer, and a simulated
chip identification passes end to end (QR, BAC, passive and active authentication). Prints one JSON line
with the version that ran and each check; exits 0 only when all passed."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _app_starts() -> str:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    import kiosk_app.controller
    import kiosk_app.flow
    import kiosk_app.services.checkin  # noqa: F401

    return "modules load"


def _devices_and_identification() -> tuple[str, str]:
    from kiosk_app.services.devices import Devices, IdentityReader
    from kiosk_app.services.simulation import SimulatedDevices

    simulated = SimulatedDevices(pki_dir=os.environ.get("CONGDAN_SIMULATOR_PKI_DIR") or None)
    camera = simulated.open_camera()
    try:
        if camera.read() is None:
            raise RuntimeError("the camera gave no frame")
    finally:
        camera.close()
    devices = Devices(
        simulated.open_camera, simulated.open_card_transport, simulated.trust_store, printer=None, jwks=lambda: {}
    )
    identity = IdentityReader(devices).identify_by_chip()
    if identity.trust_level is None or not identity.passive_auth_passed:
        raise RuntimeError("the simulated card was not verified")
    return "camera and card reader answer", f"chip identification {identity.trust_level}"


def main() -> int:
    started = time.monotonic()
    version_file = Path(__file__).resolve().parents[1] / "VERSION"
    report: dict = {"version": version_file.read_text(encoding="ascii").strip(), "checks": {}, "ok": False}
    try:
        report["checks"]["app"] = _app_starts()
        report["checks"]["devices"], report["checks"]["identification"] = _devices_and_identification()
        report["ok"] = True
    except Exception as exc:  # any failure is the answer: report it, exit non-zero
        report["error"] = f"{type(exc).__name__}: {exc}"[:250]
    report["seconds"] = round(time.monotonic() - started, 2)
    print(json.dumps(report), flush=True)  # the output is the protocol with the updater
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
