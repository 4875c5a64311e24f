"""Kiosk check-in time, from "card / QR presented" to "ticket printed", against the real backend.

    python bench/bench_checkin.py [--patients 20] [--app-patients 5]

Two tables. The first times the kiosk's services step by step. The second drives the whole kiosk app (the
real KioskApp in an offscreen Kivy window, worker threads, voice prompts and chimes playing through SDL's
audio, the reading screen's animation running): from the patient choosing how to identify to the ticket on
screen, with the patient's taps (confirm, insured visit, clinic) made the moment each screen appears, so
what is measured is the kiosk's own time; it also prints the longest gap between two drawn frames (a
stutter a patient would see). Target: identification → ticket under 2 s (no card radio time: the simulated
chip answers at once).

The backend (create_app on a fresh migrated SQLite database, demo hospitals) is served by werkzeug on
127.0.0.1 in this process; the kiosk's own services do the work: the simulated camera (QR found and decoded
in a rendered, noisy frame), the simulated chip (PACE/BAC, DG1/DG2/DG13, passive authentication; it has no
radio delay), the API client and the dummy printer (layout rendered, ESC/POS bytes produced). Per method,
N different insured patients each check in and take a ticket; prints the median and the slowest of each
step. The app's signed identity QR is fetched from the backend beforehand (that happens on the patient's
phone) and verified here against the cached JWKS.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.extensions import db  # noqa: E402
from hardware.smartcard.simulator import DemoCitizen  # noqa: E402
from kiosk_app.flow import Identity  # noqa: E402
from kiosk_app.services.api import ApiClient  # noqa: E402
from kiosk_app.services.devices import print_ticket  # noqa: E402
from kiosk_app.services.simulation import SimulatedDevices  # noqa: E402
from tests.backend.health.hospital_data import insure  # noqa: E402
from tests.backend.helpers import PASSWORD as CITIZEN_PASSWORD  # noqa: E402
from tests.backend.helpers import Factory  # noqa: E402
from tests.kiosk_app.kiosk_services import identity_qr_token, kiosk_services  # noqa: E402
from tests.kiosk_app.live_backend import (  # noqa: E402
    DEMO_KIOSK_USERNAME,
    PASSWORD,
    LiveBackend,
    demo_backend,
    demo_database,
)

METHODS = ("chip", "cccd_qr", "signed_qr", "typed")
STEPS = ("identify", "check_in", "ticket", "print")


def add_patients(app, count: int, *, children: bool, accounts: bool) -> list[DemoCitizen]:
    """Insured citizens registered at Bạch Mai (in-route), as the chip simulator's card holders."""
    people = []
    born = date(2016, 6, 1) if children else date(1980, 3, 7)
    with app.app_context():
        factory = Factory(db.session)
        for _ in range(count):
            citizen = factory.citizen(full_name="Phạm Thị Hoa", sex="female", date_of_birth=born)
            insure(db.session, citizen, facility="01929")
            if accounts:
                factory.account(citizen, level=2)
            people.append(
                DemoCitizen(
                    personal_id=citizen.personal_id,
                    full_name="Phạm Thị Hoa",
                    surname="PHAM",
                    given_names="THI HOA",
                    sex="Nữ",
                    birth_date=born,
                    issue_date=date(2022, 1, 10),
                )
            )
        db.session.commit()
    return people


def one_check_in(services, method: str, person: DemoCitizen) -> dict[str, float]:
    times = {}
    start = time.perf_counter()
    if method == "chip":
        identity = services.reader.identify_by_chip()
    elif method == "typed":
        identity = Identity("id_and_dob", person.personal_id, person.birth_date.isoformat())
    else:
        identity = services.reader.identify_by_qr()
    if identity.personal_id != person.personal_id:
        raise RuntimeError(f"identified the wrong person: {identity}")
    times["identify"] = time.perf_counter() - start
    mark = time.perf_counter()
    view, departments = services.checkin.check_in(identity)
    times["check_in"] = time.perf_counter() - mark
    mark = time.perf_counter()
    department = next(d for d in departments if d.code == "NOI")
    ticket = services.checkin.issue_ticket(identity, view, department)
    if ticket.provisional:
        raise RuntimeError("the backend did not answer: a provisional ticket was issued")
    times["ticket"] = time.perf_counter() - mark
    mark = time.perf_counter()
    print_ticket(
        services.printer,
        ticket,
        facility_name=services.checkin.facility_name(),
        patient_name=view.full_name,
        personal_id=identity.personal_id,
    )
    times["print"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20, help="patients per identification method")
    parser.add_argument("--app-patients", type=int, default=5, help="patients per method through the app")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-checkin-") as folder:
        folder = Path(folder)
        app = demo_backend(demo_database(folder), folder)
        backend = LiveBackend(app).start()
        api = ApiClient(backend.url, DEMO_KIOSK_USERNAME, PASSWORD)
        try:
            print(
                f"kiosk check-in, {options.patients} patients per method; backend on {backend.url} "
                f"(SQLite, werkzeug, same process); {platform.processor() or platform.machine()}, "
                f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
                f"load average {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)"
            )
            print(f"{'method':<10}" + "".join(f"{s + ' p50':>13}" for s in (*STEPS, "total")) + f"{'total max':>12}")
            shared_pki = SimulatedDevices().pki
            for method in METHODS:
                people = add_patients(app, options.patients, children=method == "typed", accounts=method == "signed_qr")
                results = []
                for person in people:
                    simulated = SimulatedDevices(person)
                    simulated.__dict__["pki"] = shared_pki  # one test CSCA for every simulated card
                    if method == "signed_qr":
                        simulated.qr_payload = identity_qr_token(backend.url, person.personal_id, CITIZEN_PASSWORD)
                    if method == "chip":
                        _ = simulated._chip_files  # building the card is not part of a check-in
                    kiosk_folder = folder / method / person.personal_id
                    kiosk_folder.mkdir(parents=True)
                    services = kiosk_services(api, kiosk_folder, simulated=simulated)
                    results.append(one_check_in(services, method, person))
                row = "".join(f"{statistics.median(r[s] for r in results) * 1000:>10.1f} ms" for s in (*STEPS, "total"))
                print(f"{method:<10}{row}{max(r['total'] for r in results) * 1000:>9.1f} ms")
            if options.app_patients:
                from bench.bench_kiosk_app import app_table

                app_table(app, api, folder, backend.url, options.app_patients, add_patients, shared_pki)
        finally:
            api.http.close()
            backend.close()


if __name__ == "__main__":
    main()
