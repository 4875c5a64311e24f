"""The kiosk's services wired as `kiosk_app.main.build_app` wires them, on the simulators, with a dummy
printer that remembers what it printed. Shared by the end-to-end tests and bench/bench_checkin.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import requests

from hardware.config import open_printer
from kiosk_app.services.api import ApiClient
from kiosk_app.services.checkin import CheckinService
from kiosk_app.services.devices import Devices, IdentityReader
from kiosk_app.services.outbox import Outbox
from kiosk_app.services.simulation import SimulatedDevices


@dataclass
class KioskServices:
    checkin: CheckinService
    reader: IdentityReader
    printer: object  # hardware.printer.TicketPrinter on a python-escpos Dummy
    simulated: SimulatedDevices
    printed: list = field(default_factory=list)  # the QueueTickets sent to the printer

    def printer_bytes(self) -> bytes:
        return self.printer.device.output


def kiosk_services(api: ApiClient, data_dir: Path, *, simulated: SimulatedDevices | None = None) -> KioskServices:
    simulated = simulated or SimulatedDevices()
    checkin = CheckinService(api, Outbox(data_dir / "outbox.sqlite3"), hospital_code="BV-BACHMAI")
    checkin.refresh()
    printer = open_printer("dummy")
    devices = Devices(
        simulated.open_camera,
        simulated.open_card_transport,
        simulated.trust_store,
        printer,
        checkin.jwks,
        chip_challenge=checkin.chip_challenge,
    )
    services = KioskServices(checkin, IdentityReader(devices), printer, simulated)
    real_print = printer.print_ticket

    def print_and_remember(ticket):
        services.printed.append(ticket)
        real_print(ticket)

    printer.print_ticket = print_and_remember
    return services


def identity_qr_token(base_url: str, username: str, password: str) -> str:
    """What the citizen's app shows: GET /api/v1/documents/identity-qr as a level-2 citizen."""
    with requests.Session() as http:
        login = http.post(f"{base_url}/api/v1/auth/login", json={"username": username, "password": password}, timeout=5)
        login.raise_for_status()
        response = http.get(
            f"{base_url}/api/v1/documents/identity-qr",
            timeout=5,
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        )
        response.raise_for_status()
        return response.json()["token"]
