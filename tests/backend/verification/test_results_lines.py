"""The results file, line for line: each data line is what csv.writer writes for the agency's own fields
plus line, outcome, differences and detail, whichever way the chunk was written (plain or quoted)."""

from __future__ import annotations

import csv
import io
from datetime import date

from tests.backend.verification.test_jobs import upload


def _results(client, headers, content: bytes) -> bytes:
    response = upload(client, headers, content)
    assert response.status_code == 202, response.json
    job = client.get(f"/api/v1/verification/jobs/{response.json['id']}", headers=headers).json
    assert job["status"] == "done", job
    return client.get(job["results_url"], headers=headers).get_data()


def _expected(rows: list[tuple[list[str], int, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for fields, line, outcome in rows:
        writer.writerow(fields + [line, outcome, "", ""])
    return buffer.getvalue()


def test_match_lines_are_written_as_csv_writer_would_in_a_plain_file(client, factory, agency_headers):
    an = factory.citizen(full_name="Nguyễn Văn An", date_of_birth=date(1990, 1, 1))
    pid = an.personal_id
    header = "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,ma_hs\r\n"
    rows = [  # CRLF and LF endings, spaces around cells, an apostrophe, an empty optional cell
        f"{pid},Nguyễn Văn An,01/01/1990,Nam,HS 1 \r\n",
        f" {pid} , Nguyễn  Văn An ,1990-01-01, nam ,O'Brien\n",
        f"{pid},Nguyễn Văn An,1990-01-01,Nam,\r\n",
        f"{pid},Nguyễn Văn An,1990-01-01,Nam,HS4",
    ]
    data = _results(client, agency_headers, (header + "".join(rows)).encode("utf-8"))
    body = data.decode("utf-8-sig").split("\r\n", 1)[1]
    parsed = [next(csv.reader([row])) for row in rows]
    assert body == _expected([(fields, line, "match") for line, fields in enumerate(parsed, start=2)])


def test_a_record_over_two_lines_keeps_the_line_numbers_of_the_records_after_it(client, factory, agency_headers):
    an = factory.citizen(full_name="Nguyễn Văn An", date_of_birth=date(1990, 1, 1))
    pid = an.personal_id
    content = (
        "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,ma_hs\n"
        f'{pid},Nguyễn Văn An,1990-01-01,Nam,"HS\n1"\n'  # lines 2-3
        f"{pid},Nguyễn Văn An,1990-01-01,Nam,HS2\n"  # line 4
        f'{pid},"Nguyễn Văn An",1990-01-01,Nam,HS3\n'  # line 5
        f"{pid},Nguyễn Văn An,1990-01-01,Nam,HS4\n"  # line 6
    ).encode("utf-8")
    body = _results(client, agency_headers, content).decode("utf-8-sig").split("\r\n", 1)[1]
    fields = [pid, "Nguyễn Văn An", "1990-01-01", "Nam"]
    assert body == _expected(
        [(fields + ["HS\n1"], 2, "match"), (fields + ["HS2"], 4, "match")]
        + [(fields + ["HS3"], 5, "match"), (fields + ["HS4"], 6, "match")]
    )


def test_a_match_in_capitals_before_the_first_plain_match_is_counted(client, factory, agency_headers):
    an = factory.citizen(full_name="Nguyễn Văn An", date_of_birth=date(1990, 1, 1))
    content = (
        "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,ma_hs\n"
        f"{an.personal_id},NGUYỄN VĂN AN,1990-01-01,Nam,HS1\n"  # compare() says match: case only
        f"{an.personal_id},Nguyễn Văn An,1990-01-01,Nam,HS2\n"  # the inline path's match
    ).encode("utf-8")
    response = upload(client, agency_headers, content)
    job = client.get(f"/api/v1/verification/jobs/{response.json['id']}", headers=agency_headers).json
    assert job["summary"]["counts"] == {"match": 2}
