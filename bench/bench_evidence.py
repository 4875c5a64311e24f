"""What verifying identity evidence costs, and whether a registration's answer time gives its details away.

    python bench/bench_evidence.py [--rounds 200]

1. The server's chip verdict (backend/identification/chip_evidence.py) on a simulated CCCD: EF.SOD parse,
   data-group hashes, the SOD signature, the Document Signer chain to the CSCA and Active Authentication on
   the challenge; CPU time per verdict.
2. POST /api/v1/auth/register against the real backend served by werkzeug on 127.0.0.1 (fresh SQLite,
   demo people): the same number of starts each for details that match (a code goes to the registry's phone
   after the response), a wrong date of birth, an ID number nobody has, and an account that already exists.
   Prints the median and the 90th percentile per case: they should not differ by more than noise.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from backend.identification.chip_evidence import verify_chip_evidence  # noqa: E402
from hardware.smartcard.passive_auth import TrustStore  # noqa: E402
from tests.chip_evidence import ChipCard, card_holder, trusted_pki  # noqa: E402
from tests.kiosk_app.live_backend import LiveBackend, demo_backend, demo_database  # noqa: E402

CASES = {
    "details match": {"personal_id": "001195004567", "full_name": "Phạm Thu Hà", "date_of_birth": "1995-07-21"},
    "wrong birth date": {"personal_id": "001195004567", "full_name": "Phạm Thu Hà", "date_of_birth": "1995-07-22"},
    "no such ID": {"personal_id": "001195009999", "full_name": "Phạm Thu Hà", "date_of_birth": "1995-07-21"},
    "already registered": {"personal_id": "001090012345", "full_name": "Nguyễn Văn An", "date_of_birth": "1990-01-01"},
}


def chip_verdict_cost(rounds: int) -> None:
    import datetime as dt

    card = ChipCard(card_holder("001090012345", "Nguyễn Văn An", dt.date(1990, 1, 1)))
    store = TrustStore([trusted_pki().csca_certificate])
    files = {"sod": card.sod, **{f"dg{n}": raw for n, raw in card.groups.items()}}
    nonce = os.urandom(8)
    signature = card.answer(nonce)
    times = []
    for _ in range(rounds):
        start = time.process_time()
        verdict = verify_chip_evidence(files, store, challenge=nonce, aa_signature=signature)
        times.append(time.process_time() - start)
    assert verdict.trust_level == "chip_verified"
    print(
        f"server chip verdict (PA to CSCA + AA, EC P-256): median {statistics.median(times) * 1000:.2f} ms CPU, "
        f"max {max(times) * 1000:.2f} ms, {rounds} rounds"
    )


def registration_timing(rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as folder:
        folder = Path(folder)
        app = demo_backend(demo_database(folder), folder)
        app.config["REGISTRATION_LIMIT_PER_ID"] = "1000000 per minute"
        backend = LiveBackend(app).start()
        try:
            url = backend.url + "/api/v1/auth/register"
            samples: dict[str, list[float]] = {case: [] for case in CASES}
            with requests.Session() as http:
                for _ in range(5):  # warm up connections and caches
                    http.post(url, json=CASES["no such ID"], timeout=10)
                for _ in range(rounds):
                    for case, body in CASES.items():  # interleaved, so drift hits every case alike
                        start = time.perf_counter()
                        response = http.post(url, json=body, timeout=10)
                        samples[case].append(time.perf_counter() - start)
                        assert response.status_code == 202, response.text
            print(f"POST /auth/register, {rounds} per case, werkzeug in-process, SQLite:")
            for case, values in samples.items():
                values.sort()
                print(
                    f"  {case:<20} median {statistics.median(values) * 1000:6.2f} ms   "
                    f"p90 {values[int(len(values) * 0.9)] * 1000:6.2f} ms"
                )
        finally:
            backend.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    options = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    chip_verdict_cost(options.rounds)
    registration_timing(options.rounds)


if __name__ == "__main__":
    main()
