"""Profile one route in-process (Flask test client, no HTTP server): SQL statements per request, CPU time per
request, and the top of a cProfile. For finding where a request's time goes, not for throughput figures.

    python bench/profile_request.py --database sqlite:///path/bench.db [--path /api/v1/citizens/me] [-n 2000]

The database must be seeded (`flask seed-demo`); the script logs in as a demo citizen first.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEMO_USER, DEMO_PASSWORD = "001090012345", "congdan-demo"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--path", default="/api/v1/citizens/me")
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    os.environ.setdefault("CONGDAN_ENV", "development")
    from backend import create_app

    app = create_app({"DATABASE_URL": args.database, "RATELIMIT_ENABLED": False})
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": DEMO_USER, "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json['access_token']}"}
    statements: list[str] = []
    state = app.extensions["congdan.db"]
    for engine in (state["engine"], state.get("reader")):  # the writer, and PostgreSQL's read-only reader
        if engine is not None:
            sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for _ in range(50):
        assert client.get(args.path, headers=headers).status_code == 200
    statements.clear()
    client.get(args.path, headers=headers)
    print(f"SQL statements per request: {len(statements)}")
    for statement in statements:
        print("   ", " ".join(statement.split())[:150])
    # CPU time of this process (the database server's, for PostgreSQL, is not in it): the shared cores' load
    # barely moves it, unlike wall time.
    started = time.process_time()
    for _ in range(args.n):
        client.get(args.path, headers=headers)
    elapsed = time.process_time() - started
    started = time.process_time()
    for _ in range(args.n):
        client.get("/healthz")
    trivial = time.process_time() - started
    print(
        f"{args.path}: {elapsed / args.n * 1000:.2f} ms CPU per request; /healthz {trivial / args.n * 1000:.2f} ms "
        f"(ratio of requests/s {trivial / elapsed:.2f})"
    )
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.n):
        client.get(args.path, headers=headers)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
