"""`python -m kiosk_app --enroll CODE`: spend a fleet enrollment code once, from the kiosk's console
(plain Python, no Kivy, prints for the technician). Afterwards the app authenticates with the device key."""

from __future__ import annotations

import logging

from kiosk_app.config import KioskConfig
from kiosk_app.services import fleet_link
from kiosk_app.services.fleet_agent import FleetAgentError


def main(code: str, *, serial_number: str | None = None, environ=None, transport=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = KioskConfig.from_environment(environ)
    already = fleet_link.enrolled_state(config.data_dir)
    if already is not None:
        print(
            f"This kiosk is already enrolled as {already['kiosk_id']} ({already.get('hospital_code')}); "
            f"to enroll it again, remove {config.data_dir / fleet_link.STATE_FILE} first."
        )
        return 1
    try:
        reply = fleet_link.enroll(
            config.api_url, config.data_dir, code, transport=transport, serial_number=serial_number
        )
    except FleetAgentError as exc:
        print(f"Enrollment failed: {exc}")
        return 1
    print(
        f"Enrolled as kiosk {reply['kiosk_id']} at {reply['hospital_code']} ({reply['location_label']}). "
        f"Identity stored in {config.data_dir}."
    )
    return 0
