"""The national login's hot endpoints against the real server: gunicorn (2 sync workers) on SQLite.

    python bench/bench_oidc.py [--seconds 10] [--concurrency 4]

Setup goes through the whole flow once per client process (PAR, login, consent, code) in process, then each
load process holds its own grant. Measured for the same number of seconds each, on the same server:
`GET /healthz` (trivial), `GET /oidc/userinfo` (bearer lookup + consent check + claims + an access-log row)
and `POST /oidc/token` with grant_type=refresh_token (private_key_jwt ES256 assertion verified, jti stored,
token rotated: every request uses the refresh token the previous answer gave). Prints requests/s, p50/p99
and the ratio to the trivial endpoint. The load generator (which also signs the assertions) shares the CPU.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
REDIRECT_URI = "https://bench.example/callback"
CLIENT_ID = "BENCH-RP"
PASSWORD = "bench password 123"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _seed(key_json: dict, grants: int, port: int) -> list[dict]:
    """Migrate, add a citizen and a relying party, and run the flow `grants` times; returns the token sets."""
    from authlib.oauth2.rfc7523 import private_key_jwt_sign
    from joserfc.jwk import ECKey

    from backend import create_app, migrate
    from backend.auth import passwords
    from backend.auth.models import Account
    from backend.core import clock
    from backend.core.access import ADMIN, Principal
    from backend.database import make_engine
    from backend.extensions import db
    from backend.identity_provider import service
    from backend.registry.models import Citizen
    from backend.registry.reference import sync_administrative_units
    from shared_schemas.text import fold

    engine = make_engine(os.environ["DATABASE_URL"])
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"OIDC_ISSUER": f"http://127.0.0.1:{port}"})
    key = ECKey.import_key(key_json)
    with app.app_context():
        sync_administrative_units(session=db.session)
        citizen = Citizen(
            personal_id="001190054321",
            full_name="Nguyễn Thị Lan",
            name_folded=fold("Nguyễn Thị Lan"),
            sex="female",
            date_of_birth=__import__("datetime").date(1990, 4, 5),
            permanent_ward_code="00088",
            permanent_street="Số 5 Phố Huế",
            permanent_province_code="01",
        )
        db.session.add(citizen)
        db.session.flush()
        db.session.add(
            Account(
                username=citizen.personal_id,
                password_hash=passwords.hash_password(PASSWORD),
                role="citizen",
                level=2,
                citizen_id=citizen.id,
            )
        )
        service.register_relying_party(
            session=db.session,
            principal=Principal(account_id=None, role=ADMIN, level=2, label="bench", family_id=""),
            data={
                "client_id": CLIENT_ID,
                "name": "Ngân hàng Đo tải",
                "purpose": "Đo hiệu năng",
                "legal_basis": "Thử nghiệm",
                "sector": None,
                "redirect_uris": [REDIRECT_URI],
                "scopes": ["identity", "address"],
                "level_required": 1,
                "auth_method": "private_key_jwt",
                "jwks": {"keys": [key.as_dict(private=False)]},
                "consent_days": 90,
            },
            now=clock.now(),
        )
        db.session.commit()
    issuer = f"http://127.0.0.1:{port}"
    client = app.test_client()
    token_sets = []
    for _ in range(grants):
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        pushed = client.post(
            "/oidc/par",
            data={
                "response_type": "code",
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT_URI,
                "scope": "openid identity address",
                "state": "s",
                "nonce": "n",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": private_key_jwt_sign(key, CLIENT_ID, issuer, alg="ES256"),
            },
        ).json
        query = urlencode({"client_id": CLIENT_ID, "request_uri": pushed["request_uri"]})
        page = client.get("/oidc/authorize?" + query).get_data(as_text=True)
        form = {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
            "client_id": CLIENT_ID,
            "request_uri": pushed["request_uri"],
        }
        client.post("/oidc/login", data={**form, "personal_id": "001190054321", "password": PASSWORD})
        page = client.get("/oidc/authorize?" + query).get_data(as_text=True)
        form["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        location = client.post("/oidc/authorize", data={**form, "decision": "approve"}).headers["Location"]
        code = parse_qs(urlparse(location).query)["code"][0]
        token_sets.append(
            client.post(
                "/oidc/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": verifier,
                    "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": private_key_jwt_sign(key, CLIENT_ID, issuer + "/oidc/token", alg="ES256"),
                },
            ).json
        )
    app.extensions["congdan.db"]["engine"].dispose()
    return token_sets


def _worker(port, scenario, token, key_json, seconds, queue):
    from authlib.oauth2.rfc7523 import private_key_jwt_sign
    from joserfc.jwk import ECKey

    key = ECKey.import_key(key_json)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    refresh = token["refresh_token"]
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if scenario == "healthz":
            method, path, body, headers = "GET", "/healthz", None, {}
        elif scenario == "userinfo":
            method, path, body = "GET", "/oidc/userinfo", None
            headers = {"Authorization": f"Bearer {token['access_token']}"}
        else:
            assertion = private_key_jwt_sign(key, CLIENT_ID, f"http://127.0.0.1:{port}/oidc/token", alg="ES256")
            method, path = "POST", "/oidc/token"
            body = urlencode(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": refresh,
                    "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": assertion,
                }
            )
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            if response.status >= 400:
                errors += 1
            elif scenario == "token":
                refresh = json.loads(payload)["refresh_token"]
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - started)
    queue.put((latencies, errors, refresh))


def _run(port, scenario, tokens, key_json, seconds):
    queue = mp.Queue()
    procs = [mp.Process(target=_worker, args=(port, scenario, token, key_json, seconds, queue)) for token in tokens]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for lat, _, _ in results for x in lat)
    errors = sum(e for _, e, _ in results)
    return {
        "rps": len(latencies) / seconds,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from joserfc.jwk import ECKey

    folder = tempfile.mkdtemp(prefix="congdan-oidc-bench-")
    port = _free_port()
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder}/bench.db",
        CONGDAN_ENV="development",
        SECRETS_DIR=f"{folder}/secrets",
        SIGNING_KEY_FILE=f"{folder}/signing_keys.json",
        OIDC_ISSUER=f"http://127.0.0.1:{port}",
        LOGIN_LIMIT_PER_ADDRESS="10000000 per minute",
        LOGIN_LIMIT_PER_ACCOUNT="10000000 per minute",
        PYTHONPATH=str(ROOT),
    )
    key_json = ECKey.generate_key("P-256", parameters={"kid": "bench"}).as_dict(private=True)
    # Userinfo load and token load each get their own grants: a revoked-by-rotation access token is not reused.
    tokens = _seed(key_json, 2 * args.concurrency, port)
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "backend:create_app()",
        ],
        env=os.environ,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        _wait_until_serving(port)
        rows = [
            ("trivial GET /healthz", _run(port, "healthz", tokens[: args.concurrency], key_json, args.seconds)),
            ("GET /oidc/userinfo", _run(port, "userinfo", tokens[: args.concurrency], key_json, args.seconds)),
            (
                "POST /oidc/token (refresh, private_key_jwt)",
                _run(port, "token", tokens[args.concurrency :], key_json, args.seconds),
            ),
        ]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; gunicorn "
        f"{args.workers} sync workers, SQLite; {args.concurrency} client processes, {args.seconds:.0f} s each"
    )
    trivial = rows[0][1]["rps"]
    print(f"{'endpoint':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>7}")
    for name, row in rows:
        print(
            f"{name:44} {row['rps']:9.0f} {row['p50']:8.1f} {row['p99']:8.1f} {row['errors']:7d} "
            f"{row['rps'] / trivial:7.2f}"
        )


def _wait_until_serving(port: int) -> None:
    """Until /healthz answers 200 a few times in a row (both workers booted, imports done)."""
    answered = 0
    for _ in range(600):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/healthz")
            answered = answered + 1 if connection.getresponse().status == 200 else 0
            if answered >= 20:
                return
        except OSError:
            answered = 0
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
