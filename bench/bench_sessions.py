"""Costs of the session and oracle defences, in process (Flask test client, SQLite file, one thread).

    python bench/bench_sessions.py [--requests 400] [--applicants 40]

Prints the median and p95 latency of: an authenticated `GET /api/v1/accounts/me` (token bound to the
account's current state: one join per request); a failed login and a login refused by the back-off (429,
decided before any password hash); and a temporary-residence application naming a registered owner vs an
unknown ID number (the answers are identical; the difference in time is what a timing attacker could see).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend import create_app, migrate  # noqa: E402
from backend.auth import passwords  # noqa: E402
from backend.auth.models import Account  # noqa: E402
from backend.database import make_engine, utcnow  # noqa: E402
from backend.extensions import db  # noqa: E402
from backend.registry.models import Citizen  # noqa: E402
from backend.registry.reference import sync_administrative_units  # noqa: E402
from shared_schemas import personal_id  # noqa: E402
from shared_schemas.text import fold  # noqa: E402

PASSWORD = "bench password 123"


def _timed(call, count: int) -> list[float]:
    samples = []
    for n in range(count):
        started = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _line(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"{name:<52} n={len(samples):>4}  median {statistics.median(samples):7.2f} ms  p95 {p95:7.2f} ms"


def _people(count: int) -> tuple[list[str], str]:
    """`count` level-2 applicants in Hà Nội and one owner in TP HCM; returns their ID numbers."""
    session = db.session
    password_hash = passwords.hash_password(PASSWORD)
    pids = []
    for n in range(count + 1):
        pid = personal_id.compose("001", "male", 1990, f"{n + 100_000:06d}")
        citizen = Citizen(
            personal_id=pid,
            full_name=f"Người Thử {n}",
            name_folded=fold(f"Nguoi Thu {n}"),
            sex="male",
            date_of_birth=date(1990, 1, 1),
            permanent_ward_code="26740" if n == count else "00088",
            permanent_province_code="79" if n == count else "01",
            permanent_street="Số 1",
        )
        session.add(citizen)
        session.flush()
        session.add(
            Account(
                username=pid,
                password_hash=password_hash,
                role="citizen",
                level=2,
                citizen_id=citizen.id,
                display_name=citizen.full_name,
            )
        )
        pids.append(pid)
    session.commit()
    return pids[:-1], pids[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--applicants", type=int, default=40)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-sessions-"))
    url = f"sqlite:///{folder}/bench.db"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRETS_DIR": str(folder / "secrets"),
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_PARAMS": {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1},
        }
    )
    client = app.test_client()
    with app.app_context():
        session = db.session
        sync_administrative_units(session=session)
        session.commit()
        applicants, owner = _people(args.applicants)

    def login(username, password=PASSWORD, address="127.0.0.1"):
        return client.post(
            "/api/v1/auth/login",
            json={"username": username, "password": password},
            environ_base={"REMOTE_ADDR": address},
        )

    token = login(applicants[0]).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    print(
        _line(
            "GET /accounts/me (token bound to account state)",
            _timed(lambda n: client.get("/api/v1/accounts/me", headers=headers), args.requests),
        )
    )
    print(_line("POST /auth/login, right password (Argon2id)", _timed(lambda n: login(applicants[1]), 20)))
    print(
        _line(
            "POST /auth/login, wrong password (counted)",
            _timed(lambda n: login(applicants[2], "wrong", f"10.0.{n}.1"), 20),
        )
    )
    for _ in range(6):
        login(applicants[3], "wrong", "10.9.9.9")
    print(
        _line(
            "POST /auth/login while backing off (429, no hash)",
            _timed(lambda n: login(applicants[3], PASSWORD, "10.9.9.9"), args.requests),
        )
    )

    today = utcnow().date()
    body = {
        "ward_code": "26740",
        "legal_basis": "tenancy",
        "reason": "Làm việc",
        "start_date": (today + timedelta(days=1)).isoformat(),
        "end_date": (today + timedelta(days=300)).isoformat(),
        "member_personal_ids": [],
    }
    tokens = {pid: login(pid).json["access_token"] for pid in applicants}
    known, unknown = [], []
    for n, pid in enumerate(applicants):
        auth = {"Authorization": f"Bearer {tokens[pid]}"}
        for label, owner_pid, into in (("k", owner, known), ("u", "079170999999", unknown)):
            started = time.perf_counter()
            response = client.post(
                "/api/v1/residence/applications",
                headers=auth,
                json={**body, "street": f"Số {n} Ngõ {label}", "owner_personal_id": owner_pid},
            )
            into.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.json
    print(_line("POST residence application, owner registered", known))
    print(_line("POST residence application, owner ID unknown", unknown))
    print(f"{'median difference known - unknown':<52} {statistics.median(known) - statistics.median(unknown):+.2f} ms")


if __name__ == "__main__":
    main()
