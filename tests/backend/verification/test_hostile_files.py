"""Hostile uploads (issue 12 #5): zip bombs, huge shared strings, too many columns or rows, over-long cells.
Each is built here, refused with a problem naming the cap and its limit - in the request when the file's
directory or header shows it, else the job fails at the first cap - and no transaction is open while a file
is converted or planned (on SQLite another writer commits meanwhile)."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import zipfile
from datetime import date

import pytest

from backend.extensions import db
from backend.verification import spool, worker
from backend.verification.models import Agency, VerificationJob
from tests.backend.helpers import Factory, bearer, login
from tests.backend.verification.test_jobs import upload

_WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER = ["so_dinh_danh", "ho_ten", "ngay_sinh", "gioi_tinh"]


def _inline_row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def workbook(
    sheet_rows: str | bytes,
    *,
    shared: str | None = None,
    dimension: str | None = None,
    level: int = zipfile.ZIP_DEFLATED,
    workbook_xml: str = _WORKBOOK,
    extra: dict | None = None,
) -> bytes:
    """A minimal XLSX built by hand (so it can be as hostile as a test needs)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", level) as archive:
        archive.writestr("xl/workbook.xml", workbook_xml)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
        archive.writestr("xl/_rels/workbook.xml.rels", _RELS)
        head = f"<worksheet {_NS}>" + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
        if isinstance(sheet_rows, bytes):
            with archive.open("xl/worksheets/sheet1.xml", "w") as part:
                part.write(head.encode())
                part.write(sheet_rows)
                part.write(b"</sheetData></worksheet>")
        else:
            archive.writestr("xl/worksheets/sheet1.xml", head + sheet_rows + "</sheetData></worksheet>")
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", f"<sst {_NS}>{shared}</sst>")
    return buffer.getvalue()


def _job(client, headers, response):
    assert response.status_code == 202, response.json
    return client.get(f"/api/v1/verification/jobs/{response.json['id']}", headers=headers).json


def _refused(response, cap: str):
    assert response.status_code == 413, response.json
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body["code"] == "file-over-limit" and body["cap"] == cap and body["limit"] > 0
    assert body["detail"].index("giới hạn") < body["detail"].index("the limit")  # Vietnamese first
    return body


def test_zip_bomb_is_refused_from_the_directory_before_any_part_is_read(client, session, agency_headers):
    # ~64 MB of empty rows in ~65 KB: the shape of the 103 KB file that expanded to 656 MB.
    filler = b"<row/>" * (64 * 1024 * 1024 // 6)
    bomb = workbook(filler)
    assert len(bomb) < 200_000
    _refused(upload(client, agency_headers, bomb, filename="bom.xlsx"), "xlsx_max_ratio")
    assert session.query(VerificationJob).count() == 0


def test_total_uncompressed_size_is_capped(client, app, agency_headers):
    rows = "".join(_inline_row(i, [f"{i:012d}", "Nguyễn Văn An", "1990-01-01", "Nam"]) for i in range(2, 400))
    app.config["VERIFICATION_XLSX_MAX_UNCOMPRESSED"] = 20_000
    try:
        _refused(
            upload(
                client,
                agency_headers,
                workbook(_inline_row(1, HEADER) + rows, level=zipfile.ZIP_STORED),
                filename="lon.xlsx",
            ),
            "xlsx_max_uncompressed",
        )
    finally:
        app.config.pop("VERIFICATION_XLSX_MAX_UNCOMPRESSED")


def test_shared_strings_part_over_its_cap_is_refused_at_upload(client, app, agency_headers):
    shared = "".join(f"<si><t>{i}</t></si>" for i in range(5_000))
    app.config["VERIFICATION_XLSX_MAX_SHARED_STRINGS_BYTES"] = 10_000
    try:
        _refused(
            upload(client, agency_headers, workbook(_inline_row(1, HEADER), shared=shared), filename="chuoi.xlsx"),
            "xlsx_max_shared_strings_bytes",
        )
    finally:
        app.config.pop("VERIFICATION_XLSX_MAX_SHARED_STRINGS_BYTES")


def test_too_many_shared_strings_stop_the_job_at_the_cap(client, app, agency_headers):
    shared = "".join(f"<si><t>chuỗi {i}</t></si>" for i in range(5_000))
    app.config["VERIFICATION_XLSX_MAX_SHARED_STRINGS"] = 1_000
    try:
        job = _job(
            client,
            agency_headers,
            upload(client, agency_headers, workbook(_inline_row(1, HEADER), shared=shared), filename="chuoi.xlsx"),
        )
    finally:
        app.config.pop("VERIFICATION_XLSX_MAX_SHARED_STRINGS")
    assert job["status"] == "failed"
    assert "quá nhiều chuỗi dùng chung" in job["error"] and "too many shared strings" in job["error"]


def test_declared_dimension_over_the_column_cap_is_refused_at_upload(client, agency_headers):
    _refused(
        upload(client, agency_headers, workbook(_inline_row(1, HEADER), dimension="A1:ZZ3"), filename="rong.xlsx"),
        "max_columns",
    )


def test_undeclared_wide_sheet_stops_at_the_column_cap(client, agency_headers):
    wide = _inline_row(1, HEADER + [f"c{i}" for i in range(60)])
    job = _job(client, agency_headers, upload(client, agency_headers, workbook(wide), filename="rong.xlsx"))
    assert job["status"] == "failed" and "quá nhiều cột" in job["error"] and "50" in job["error"]


def test_long_xlsx_cell_stops_the_job(client, agency_headers):
    rows = _inline_row(1, HEADER) + _inline_row(2, ["001090000001", "A" * 3_000, "1990-01-01", "Nam"])
    job = _job(client, agency_headers, upload(client, agency_headers, workbook(rows), filename="dai.xlsx"))
    assert job["status"] == "failed" and "quá dài" in job["error"]


def test_csv_caps(client, app, agency_headers):
    header = ",".join(HEADER)
    _refused(
        upload(client, agency_headers, (header + "".join(f",c{i}" for i in range(60)) + "\n").encode()), "max_columns"
    )
    long_cell = f"{header}\n001090000001,{'A' * 3_000},1990-01-01,Nam\n".encode()
    job = _job(client, agency_headers, upload(client, agency_headers, long_cell))
    assert job["status"] == "failed" and "quá dài" in job["error"]
    one_line = f"{header}\n" + "A" * 500_000  # one 500 KB line: never read whole
    job = _job(client, agency_headers, upload(client, agency_headers, one_line.encode()))
    assert job["status"] == "failed" and "quá dài" in job["error"]
    app.config["VERIFICATION_MAX_ROWS"] = 5
    try:
        many = header + "\n" + "001090000001,An,1990-01-01,Nam\n" * 6
        job = _job(client, agency_headers, upload(client, agency_headers, many.encode()))
        assert job["status"] == "failed" and "quá nhiều dòng" in job["error"]
        quoted = header + "\n" + '"001090000001","An",1990-01-01,Nam\n' * 6  # the csv-module planner
        job = _job(client, agency_headers, upload(client, agency_headers, quoted.encode()))
        assert job["status"] == "failed" and "quá nhiều dòng" in job["error"]
    finally:
        app.config.pop("VERIFICATION_MAX_ROWS")


def test_hand_built_workbook_with_shared_strings_dates_and_gaps_is_read(client, factory, agency_headers):
    an = factory.citizen(full_name="Nguyễn Văn An", date_of_birth=date(1990, 1, 1))
    shared = "".join(f"<si><t>{text}</t></si>" for text in HEADER + ["Nguyễn Văn An", "Nam"])
    rows = (
        '<row r="1">' + "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCD")) + "</row>"
        f'<row r="3"><c r="A3" t="inlineStr"><is><t>{an.personal_id}</t></is></c><c r="B3" t="s"><v>4</v></c>'
        '<c r="C3" t="str"><v>01/01/1990</v></c><c r="D3" t="s"><v>5</v></c></row>'
    )
    job = _job(
        client, agency_headers, upload(client, agency_headers, workbook(rows, shared=shared), filename="tay.xlsx")
    )
    assert job["status"] == "done" and job["summary"]["counts"] == {"match": 1} and job["summary"]["blank_rows"] == 1


def test_no_write_lock_is_held_while_a_file_is_converted_and_planned(make_app, tmp_path, monkeypatch):
    app = make_app(
        VERIFICATION_SPOOL_DIR=str(tmp_path / "spool"), VERIFICATION_CHUNK_ROWS=50, VERIFICATION_WORKER="off"
    )
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("the write lock in question is SQLite's")
    from openpyxl import Workbook

    with app.app_context():
        session = db.new_session()
        factory = Factory(session)
        an = factory.citizen(full_name="Nguyễn Văn An", date_of_birth=date(1990, 1, 1))
        session.add(Agency(code="SGDDT-79", name="Sở Giáo dục", daily_quota=10_000))
        account = factory.staff("agency", "SGDDT-79")
        session.commit()
        username, personal_id = account.username, an.personal_id
        session.close()
    book = Workbook()
    book.active.append(HEADER)
    for _ in range(200):
        book.active.append([personal_id, "Nguyễn Văn An", date(1990, 1, 1), "Nam"])
    content = io.BytesIO()
    book.save(content)
    client = app.test_client()
    headers = bearer(login(client, username)["access_token"])
    job_id = upload(client, headers, content.getvalue(), filename="hoc_sinh.xlsx").json["id"]

    database = url.split("///", 1)[1]
    commits = []

    def other_writer() -> None:
        # timeout=0: a held write lock makes this fail at once with "database is locked".
        probe = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("UPDATE verification_agencies SET daily_quota = daily_quota")
            probe.execute("COMMIT")
            commits.append(True)
        finally:
            probe.close()

    real_convert, real_plan = spool.convert_xlsx, spool.plan

    def convert(*args, **kwargs):
        other_writer()
        return real_convert(*args, **kwargs)

    def plan(*args, **kwargs):
        other_writer()
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(spool, "convert_xlsx", convert)
    monkeypatch.setattr(spool, "plan", plan)
    with app.app_context():
        own = db.new_session()
        try:
            worker.run_until_idle(own, dataclasses.replace(worker.settings(app), mode="thread"))
        finally:
            own.close()
    assert commits == [True, True]
    job = client.get(f"/api/v1/verification/jobs/{job_id}", headers=headers).json
    assert job["status"] == "done" and job["summary"]["counts"] == {"match": 200}


def test_the_served_conversion_runs_in_a_child_and_reports_caps_and_bad_files(tmp_path):
    from backend.verification.convert import convert_in_child
    from backend.verification.limits import CapExceeded, Caps, UnreadableFile

    source, target = tmp_path / "chuoi.xlsx", tmp_path / "rows.csv"
    source.write_bytes(workbook(_inline_row(1, HEADER), shared="".join(f"<si><t>{i}</t></si>" for i in range(50))))
    with pytest.raises(CapExceeded) as over:
        convert_in_child(source, target, Caps(xlsx_max_shared_strings=10))
    assert (over.value.cap, over.value.limit) == ("xlsx_max_shared_strings", 10)
    source.write_bytes(workbook(_inline_row(1, HEADER) + '<row r="2"><c r="A2" t="s"><v>nope</v></c></row>'))
    with pytest.raises(UnreadableFile):
        convert_in_child(source, target, Caps())
    source.write_bytes(workbook(_inline_row(1, HEADER) + _inline_row(2, ["001090000001", "Nguyễn Văn An"])))
    convert_in_child(source, target, Caps())
    assert target.read_text(encoding="utf-8").splitlines() == [",".join(HEADER), "001090000001,Nguyễn Văn An"]


def test_date_cells_follow_the_cell_style_and_the_workbook_epoch(tmp_path):
    from backend.verification import xlsx
    from backend.verification.limits import Caps

    styles = (
        f'<styleSheet {_NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></numFmts>'
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/>'
        '<xf numFmtId="165"/></cellXfs></styleSheet>'
    )
    row = (
        '<row r="1"><c r="A1" s="1"><v>32874</v></c><c r="B1" s="2"><v>32874</v></c>'
        '<c r="C1"><v>32874</v></c><c r="D1" s="1"><v>1</v></c><c r="E1"><v>1.5</v></c>'
        '<c r="F1" t="b"><v>1</v></c></row>'
    )
    path = tmp_path / "ngay.xlsx"
    path.write_bytes(workbook(row, extra={"xl/styles.xml": styles}))
    assert list(xlsx.rows(path, Caps())) == [["1990-01-01", "1990-01-01", "32874", "1900-01-01", "1.5", "TRUE"]]
    # The same serial in a workbook on the 1904 date system is four years and a day later.
    path.write_bytes(
        workbook(
            row,
            extra={"xl/styles.xml": styles},
            workbook_xml=_WORKBOOK.replace("<sheets>", '<workbookPr date1904="1"/><sheets>'),
        )
    )
    assert next(xlsx.rows(path, Caps()))[0] == "1994-01-02"
