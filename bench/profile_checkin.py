"""Profile the kiosk's two busiest writes in process (Flask test client, a throwaway PostgreSQL): a check-in by chip
card (the server verifies the card's EF.SOD, hashes and signer every time) and the queue ticket that follows it.
Prints CPU and SQL statements per request, then, with --profile, the top of a cProfile of each. For finding
where a request's time goes, not for throughput figures (bench/load.py is that).

    python bench/profile_checkin.py [-n 300] [--citizens 2000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import DEMO_PASSWORD  # noqa: E402
from bench.load import KIOSK, prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="check-ins (and as many tickets) timed")
    parser.add_argument("--citizens", type=int, default=2000, help="generated population besides the demo")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of each")
    args = parser.parse_args()
    os.environ.setdefault("CONGDAN_ENV", "development")
    logging.disable(logging.WARNING)

    from tests.chip_evidence import csca_dir
    from tests.pg_server import ThrowawayPostgres

    postgres = ThrowawayPostgres()
    url = postgres.start()
    try:
        shared = prepare(url, args.citizens, kiosks=1)
        from backend import create_app

        app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "CSCA_STORE_DIR": csca_dir()})
        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"username": KIOSK, "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
        rng = random.Random(1)

        def checkin() -> str:
            personal_id, born, _name, chip = rng.choice(shared["patients"])
            body = {
                "identification": {"method": "chip", "personal_id": personal_id, "date_of_birth": born, "chip": chip},
                "identified_at": datetime.now(UTC).isoformat(),
            }
            answer = client.post(
                "/api/v1/health/checkins", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
            )
            assert answer.status_code == 201, answer.get_data(as_text=True)
            return answer.get_json()["id"]

        def ticket(checkin_id: str) -> None:
            answer = client.post(
                f"/api/v1/health/checkins/{checkin_id}/tickets",
                json={"department_code": rng.choice(("NOI", "TMH", "MAT"))},
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert answer.status_code in (200, 201), answer.get_data(as_text=True)

        for _ in range(30):  # warm caches: statements, the trust store, the kiosk's registration
            ticket(checkin())
        with app.app_context():
            engine = app.extensions["congdan.db"]["engine"]
        seen: list[str] = []

        def count(_conn, _cursor, statement, *_rest) -> None:
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        made = checkin()
        per_checkin = len(seen)
        seen.clear()
        ticket(made)
        per_ticket = len(seen)
        sa.event.remove(engine, "before_cursor_execute", count)

        started = time.process_time()
        made = [checkin() for _ in range(args.n)]
        middle = time.process_time()
        for checkin_id in made:
            ticket(checkin_id)
        ended = time.process_time()
        baseline = time.process_time()
        for _ in range(args.n):
            client.get("/healthz")
        healthz = (time.process_time() - baseline) / args.n * 1000
        print(f"check-in by chip: {(middle - started) / args.n * 1000:.2f} ms CPU, {per_checkin} SQL statements")
        print(f"queue ticket:     {(ended - middle) / args.n * 1000:.2f} ms CPU, {per_ticket} SQL statements")
        print(f"/healthz:         {healthz:.2f} ms CPU (the test client's own share is in every figure)")
        print(f"load average: {os.getloadavg()[0]:.2f}")
        if args.profile:
            fresh: list[str] = []
            for name in ("check-in", "ticket"):
                profile = cProfile.Profile(time.process_time)
                profile.enable()
                if name == "check-in":
                    fresh = [checkin() for _ in range(args.n)]
                else:
                    for checkin_id in fresh:
                        ticket(checkin_id)
                profile.disable()
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
                print(f"\n--- {name} ---\n{out.getvalue()}")
    finally:
        postgres.stop()


if __name__ == "__main__":
    main()
