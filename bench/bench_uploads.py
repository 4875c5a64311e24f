"""Upload attacks of issue 12 #5, re-run: refusal time of a zip bomb, memory of reading a huge shared-strings
part, and citizen latency on SQLite while a legitimate 1.5 MB XLSX is converted, planned and verified.

`python bench/bench_uploads.py [--rows 45000] [--code DIR]` - `--code /work/main` runs the same against another
checkout (e.g. the code before this change) for a before/after figure.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_READ = """
import resource, sys, time
from pathlib import Path
path, how = Path(sys.argv[1]), sys.argv[2]
import backend.verification.spool  # the app's imports, so the figures below are what reading adds
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
started = time.perf_counter()
rows = 0
if how == "openpyxl":
    from openpyxl import load_workbook
    book = load_workbook(path, read_only=True, data_only=True)
    for row in book.worksheets[0].iter_rows(values_only=True):
        rows += 1
else:
    from backend.verification import xlsx
    from backend.verification.limits import Caps
    for row in xlsx.rows(path, Caps()):
        rows += 1
print(rows, round(time.perf_counter() - started, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
      baseline)
"""


_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def shared_strings_book(path: Path, strings: int) -> None:
    """A workbook whose sharedStrings part holds `strings` distinct short strings (the 5.5 MB attack)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="worksheet" '
            'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet {ns}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
        )
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst {ns} count="{strings}" uniqueCount="{strings}">'.encode())
            for i in range(strings):
                part.write(f"<si><t>{i:x}</t></si>".encode())
            part.write(b"</sst>")


def bench_readers(code: Path, folder: Path, strings: int) -> None:
    path = folder / "strings.xlsx"
    shared_strings_book(path, strings)
    with zipfile.ZipFile(path) as archive:
        part = archive.getinfo("xl/sharedStrings.xml")
    print(
        f"shared-strings attack: {path.stat().st_size / 1e6:.1f} MB file, sharedStrings part "
        f"{part.compress_size / 1e6:.1f} MB compressed / {part.file_size / 1e6:.1f} MB, {strings:,} strings"
    )
    env = {**os.environ, "PYTHONPATH": str(code)}
    for how in ("openpyxl", "bounded"):
        try:
            out = subprocess.run(
                [sys.executable, "-c", _READ, str(path), how],
                env=env,
                cwd=code,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            print(
                f"  {how:<9} reader: {out[1]} s, peak RSS {out[2]} MB ({int(out[2]) - int(out[3])} MB over the "
                f"{out[3]} MB of the process before reading)"
            )
        except subprocess.CalledProcessError as exc:
            print(f"  {how:<9} reader: failed ({exc.stderr.strip().splitlines()[-1][:120]})")


def bench_bomb(folder: Path) -> None:
    from backend.errors import DomainError
    from backend.verification import limits

    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            block = b"<row/>" * 100_000
            for _ in range(656 * 1024 * 1024 // len(block)):
                part.write(block)
    started = time.perf_counter()
    try:
        limits.check_upload(path, "xlsx", limits.Caps())
        outcome = "accepted (!)"
    except DomainError as exc:
        outcome = f"refused: {exc.extra.get('cap')}"
    print(
        f"zip bomb {path.stat().st_size / 1e3:.0f} KB -> 656 MB: {outcome} in "
        f"{(time.perf_counter() - started) * 1000:.1f} ms (in the request, before a job exists)"
    )


def _call(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _login(port: int, username: str) -> dict:
    from bench.harness import DEMO_PASSWORD

    status, body = _call(
        port,
        "POST",
        "/api/v1/auth/login",
        json.dumps({"username": username, "password": DEMO_PASSWORD}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200, body
    return {"Authorization": f"Bearer {json.loads(body)['access_token']}"}


def _student_book(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Số định danh", "Họ và tên", "Ngày sinh", "Giới tính"])
    for i in range(rows):
        sheet.append(
            [
                f"0010{90000000 + i:08d}",
                f"Nguyễn Văn Học Sinh {i}",
                date(2010, 1 + i % 12, 1 + i % 28),
                "Nam" if i % 2 else "Nữ",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bench_big_upload(folder: Path, rows: int) -> None:
    from backend.extensions import db
    from backend.verification.demo import add_demo_agency
    from bench.harness import Gunicorn, server_env
    from tests.faults.support import demo_app, demo_database

    url = f"sqlite:///{folder}/demo.db"
    demo_database(url)
    app = demo_app(url)
    with app.app_context():
        add_demo_agency(session=db.session)
        db.session.commit()
    app.extensions["congdan.db"]["engine"].dispose()
    content = _student_book(rows)
    server = Gunicorn(
        server_env(url, VERIFICATION_SPOOL_DIR=str(folder / "spool")), workers=2, threads=16, extra=()
    ).start()
    try:
        agency, citizen = _login(server.port, "agency.sgd"), _login(server.port, "001090012345")
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nlàm sạch dữ liệu\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="hoc_sinh.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        body += content + f"\r\n--{boundary}--\r\n".encode()
        latencies, failures, stop = [], [], threading.Event()

        def probe() -> None:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    status, _ = _call(server.port, "GET", "/api/v1/citizens/me", headers=citizen)
                except OSError:
                    status = None
                (latencies if status == 200 else failures).append(time.perf_counter() - started)
                time.sleep(0.1)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        started = time.perf_counter()
        status, raw = _call(
            server.port,
            "POST",
            "/api/v1/verification/jobs",
            body,
            {**agency, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert status == 202, raw
        job_id = json.loads(raw)["id"]
        while True:
            status, raw = _call(server.port, "GET", f"/api/v1/verification/jobs/{job_id}", headers=agency)
            job = json.loads(raw) if status == 200 else {"status": f"http {status}"}
            if job["status"] in ("done", "failed", "rejected") or time.perf_counter() - started > 600:
                break
            time.sleep(0.5)
        stop.set()
        prober.join(5)
        ordered = sorted(latencies) or [0.0]
        p50, p99 = ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        print(
            f"big upload on SQLite: {len(content) / 1e6:.1f} MB XLSX, {rows:,} rows, job {job['status']} in "
            f"{time.perf_counter() - started:.1f} s; citizen reads meanwhile: n={len(latencies)} "
            f"p50={p50 * 1000:.0f} ms p99={p99 * 1000:.0f} ms, failed={len(failures)}"
        )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=45_000, help="rows of the legitimate upload (quota: 50,000)")
    parser.add_argument("--strings", type=int, default=2_200_000, help="shared strings of the attack workbook")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose backend is measured")
    args = parser.parse_args()
    code = args.code.resolve()
    sys.path.insert(0, str(code))
    with tempfile.TemporaryDirectory() as folder:
        if (code / "backend" / "verification" / "limits.py").exists():
            bench_bomb(Path(folder))
        bench_readers(code, Path(folder), args.strings)
        bench_big_upload(Path(folder), args.rows)


if __name__ == "__main__":
    main()
