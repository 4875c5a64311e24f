"""Slow clients (issue 12 #6) against the served stack - nginx + gunicorn as `make run` starts them
(backend/front/serve.py): 50 connections sending a header line every 2 s and 40 dribbling bodies once held every
gunicorn thread for 30 s. Behind nginx, /healthz and an authenticated citizen read keep answering during the
attack. The same stack shows the client address reaching the app through one trusted hop, an access log
without search terms, and a results download with a Vietnamese file name (RFC 6266) through real gunicorn.

CI-sized here (8 s of attack); `make faults` runs 30 s. bench/slow_clients.py prints the latency figures with
and without the front.
"""

from __future__ import annotations

import http.client
import json
import shutil
import time
import uuid
from pathlib import Path

import pytest

from backend.extensions import db
from backend.front.serve import Front, render
from backend.verification.demo import add_demo_agency
from bench.harness import DEMO_PASSWORD, free_port, server_env
from bench.slow_clients import DEMO_CITIZEN, attack, login
from tests.faults.conftest import size
from tests.faults.support import demo_app, demo_database

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx is not installed (Makefile RUN_APT/TEST_APT install it)",
)


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    folder = tmp_path_factory.mktemp("front")
    url = f"sqlite:///{folder}/demo.db"
    demo_database(url)
    app = demo_app(url)
    with app.app_context():
        add_demo_agency(session=db.session)
        db.session.commit()
    app.extensions["congdan.db"]["engine"].dispose()
    port = free_port()
    served = Front(
        listen=f"127.0.0.1:{port}",
        prefix=folder / "nginx",
        workers=2,
        env=server_env(url),
        log_path=folder / "gunicorn.log",
    ).start()
    served.port = port
    yield served
    served.stop()


def _request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_slow_headers_and_bodies_do_not_stop_the_api(front):
    token = login("127.0.0.1", front.port, DEMO_CITIZEN, DEMO_PASSWORD)
    # A citizen read must come back within 5 s (without the front it waited out the whole attack).
    probe, attacker = attack("127.0.0.1", front.port, token, seconds=size(8, 30), probe_timeout_s=5)
    print(f"\nslow-client attack through nginx: {probe.summary()}; nginx dropped {attacker.dropped} connections")
    assert probe.failures == {"healthz": 0, "citizen": 0}
    assert len(probe.latencies["healthz"]) >= 10 and len(probe.latencies["citizen"]) >= 10


def test_client_address_comes_through_one_trusted_hop_and_the_access_log_keeps_no_search_terms(front):
    officer = login("127.0.0.1", front.port, "officer.hanoi", DEMO_PASSWORD)
    marker = uuid.uuid4().hex[:8]
    status, _, _ = _request(
        front.port,
        "GET",
        f"/api/v1/citizens?full_name=Tr%E1%BA%A7n+Th%E1%BB%8B+{marker}&date_of_birth=1985-05-10&purpose=kiem+tra",
        headers={"Authorization": f"Bearer {officer}", "X-Forwarded-For": "203.0.113.99"},
    )
    assert status < 500
    time.sleep(0.3)
    log = (front.log_path).read_text(encoding="utf-8", errors="replace")
    lines = [line for line in log.splitlines() if "/api/v1/citizens?" in line]
    assert lines, log[-2000:]
    assert marker not in log and "1985-05-10" not in log
    assert "full_name=*&date_of_birth=*&purpose=*" in lines[-1]
    # nginx replaced the forged X-Forwarded-For with the address it saw; the app trusted that one hop.
    assert lines[-1].startswith("127.0.0.1 ") and "203.0.113.99" not in log


def _multipart(fields: dict, file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    disposition = f'form-data; name="{file_field}"; filename="{filename}"'
    parts.append(
        f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_results_with_a_vietnamese_file_name_download_through_gunicorn_and_nginx(front):
    token = login("127.0.0.1", front.port, "agency.sgd", DEMO_PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    content = (
        f"so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh\n{DEMO_CITIZEN},Nguyễn Văn An,1990-01-01,Nam\n"
        f'{DEMO_CITIZEN},=HYPERLINK("http://x"),1990-01-01,Nam\n'.encode()
    )
    body, content_type = _multipart({"purpose": "làm sạch dữ liệu học sinh"}, "file", "Danh sách học sinh.csv", content)
    status, _, raw = _request(
        front.port, "POST", "/api/v1/verification/jobs", body, {**auth, "Content-Type": content_type}
    )
    assert status == 202, raw
    job_id = json.loads(raw)["id"]
    deadline = time.monotonic() + 30
    while True:
        status, _, raw = _request(front.port, "GET", f"/api/v1/verification/jobs/{job_id}", headers=auth)
        job = json.loads(raw)
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "done", job
    status, headers, raw = _request(front.port, "GET", f"/api/v1/verification/jobs/{job_id}/results", headers=auth)
    assert status == 200
    assert "filename*=UTF-8''Danh%20s%C3%A1ch%20h%E1%BB%8Dc%20sinh-verified.csv" in headers["Content-Disposition"]
    text = raw.decode("utf-8-sig")
    assert "Nguyễn Văn An" in text and "'=HYPERLINK" in text


def test_the_template_renders_every_placeholder_and_refuses_injection(tmp_path):
    config = render(prefix=tmp_path, listen="127.0.0.1:8080", upstream="unix:/run/x.sock").read_text()
    assert "{{" not in config and "proxy_request_buffering on;" in config and "listen 127.0.0.1:8080;" in config
    assert "client_header_timeout 10s;" in config and "X-Forwarded-For $remote_addr;" in config
    with pytest.raises(ValueError):
        render(prefix=tmp_path, listen="80; include /etc/passwd", upstream="unix:/x")


def test_render_only_writes_a_configuration_nginx_accepts(tmp_path):
    import subprocess

    from backend.front.serve import main, nginx_binary

    assert (
        main(
            [
                "--render-only",
                "--listen",
                "127.0.0.1:18080",
                "--prefix",
                str(tmp_path),
                "--upstream",
                "unix:/run/congdan/gunicorn.sock",
            ]
        )
        == 0
    )
    checked = subprocess.run(
        [
            nginx_binary(),
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
