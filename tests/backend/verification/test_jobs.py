"""Jobs through the API: upload (CSV, XLSX), JSON chunks, progress, results, summary, audit, quota."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import signal
import threading
from datetime import date

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.extensions import db
from backend.verification import worker
from backend.verification.models import Agency, VerificationChunk
from tests.backend.helpers import Factory, bearer, login


def csv_bytes(rows: list[list[str]], header=("so_dinh_danh", "ho_ten", "ngay_sinh", "gioi_tinh", "ma_hs")) -> bytes:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def upload(client, headers, content: bytes, filename="students.csv", purpose="clean student records"):
    return client.post(
        "/api/v1/verification/jobs",
        headers=headers,
        content_type="multipart/form-data",
        data={"purpose": purpose, "file": (io.BytesIO(content), filename)},
    )


def _people(factory):
    an = factory.citizen(full_name="Nguyễn Văn An", date_of_birth=date(1990, 1, 1))
    binh = factory.citizen(full_name="Trần Thị Bình", sex="female", date_of_birth=date(1985, 5, 10))
    gone = factory.citizen(full_name="Lê Văn Cường", date_of_birth=date(1940, 3, 3), deceased_on=date(2020, 1, 1))
    return an, binh, gone


def _rows(an, binh, gone):
    return [
        [an.personal_id, "Nguyễn Văn An", "01/01/1990", "Nam", "HS1"],  # 2 match
        [binh.personal_id, "Tran Thi Binh", "1985-05-10", "Nữ", "HS2"],  # 3 match, accents only
        [binh.personal_id, "Trần Thị Bình", "1985-05-11", "male", "HS3"],  # 4 mismatch dob + sex
        [gone.personal_id, "Lê Văn Cường", "1940-03-03", "Nam", "HS4"],  # 5 deceased
        [an.personal_id[:11], "Nguyễn Văn An", "1990-01-01", "Nam", "HS5"],  # 6 invalid: 11 digits
        ["001190999999", "Nguyễn Văn An", "1990-01-01", "Nam", "HS6"],  # 7 invalid: digit 4 female
        ["001090999999", "Nguyễn Văn An", "1990-01-01", "Nam", "HS7"],  # 8 not found
        [an.personal_id, "Nguyễn Văn An", "31/02/1990", "Nam", "HS8"],  # 9 malformed date
        [an.personal_id, "Nguyễn Văn An"],  # 10 malformed width
    ]


def test_upload_csv_runs_and_reports_every_outcome(client, factory, session, agency_headers):
    an, binh, gone = _people(factory)
    response = upload(client, agency_headers, csv_bytes(_rows(an, binh, gone)))
    assert response.status_code == 202, response.json
    job = client.get(f"/api/v1/verification/jobs/{response.json['id']}", headers=agency_headers).json
    assert job["status"] == "done"
    assert job["progress"]["rows_done"] == job["progress"]["total_rows"] == 9
    assert job["progress"]["percent"] == 100.0
    summary = job["summary"]
    assert summary["counts"] == {
        "match": 2,
        "mismatch": 1,
        "deceased": 1,
        "invalid_id": 2,
        "not_found": 1,
        "malformed": 2,
    }
    problems = {p["problem"]: p["rows"] for p in summary["top_problems"]}
    assert problems["full_name_accents"] == 1 and problems["date_of_birth"] == 1 and problems["sex"] == 1
    assert {(m["line"], m["reason"][:14]) for m in summary["malformed_lines"]} == {
        (9, "date_of_birth "),
        (10, "expected 5 col"),
    }
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(VerificationChunk).where(VerificationChunk.job_id == job["id"])
        )
        == 3
    )  # 3 rows a chunk in tests

    results = client.get(job["results_url"], headers=agency_headers)
    assert results.status_code == 200 and results.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(results.get_data().decode("utf-8-sig"))))
    assert table[0] == [
        "so_dinh_danh",
        "ho_ten",
        "ngay_sinh",
        "gioi_tinh",
        "ma_hs",
        "line",
        "verification_result",
        "differences",
        "detail",
    ]
    by_code = {row[4]: row for row in table[1:]}
    assert [by_code[f"HS{i}"][6] for i in range(1, 9)] == [
        "match",
        "match",
        "mismatch",
        "deceased",
        "invalid_id",
        "invalid_id",
        "not_found",
        "malformed",
    ]
    assert by_code["HS2"][7] == "full_name_accents" and by_code["HS3"][7] == "date_of_birth sex"
    assert "12 digits" in by_code["HS5"][8] and "Digit 4" in by_code["HS6"][8]
    assert by_code["HS1"][5] == "2" and table[-1][5] == "10"

    audit = session.execute(
        sa.select(
            AuditEvent.subject_citizen_id, AuditEvent.purpose, AuditEvent.actor_role, AuditEvent.record_ref
        ).where(AuditEvent.record_type == "verification")
    ).all()
    assert sorted(row[0] for row in audit) == sorted([an.id, binh.id, binh.id, gone.id])
    assert {row[1:] for row in audit} == {("clean student records", "agency", f"verification-job:{job['id']}")}


def test_upload_xlsx(client, factory, agency_headers):
    from openpyxl import Workbook

    an, binh, _ = _people(factory)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Số định danh", "Họ và tên", "Ngày sinh", "Giới tính"])
    sheet.append([an.personal_id, "Nguyễn Văn An", date(1990, 1, 1), "Nam"])
    sheet.append([int(binh.personal_id), "Trần Thị Bình", "10/05/1985", "Nữ"])  # a number cell loses its 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, agency_headers, buffer.getvalue(), filename="hoc_sinh.xlsx")
    assert response.status_code == 202, response.json
    job = client.get(f"/api/v1/verification/jobs/{response.json['id']}", headers=agency_headers).json
    assert job["status"] == "done" and job["summary"]["counts"] == {"match": 1, "invalid_id": 1}


def test_json_chunks(client, factory, agency_headers):
    an, binh, _ = _people(factory)
    created = client.post(
        "/api/v1/verification/record-jobs", headers=agency_headers, json={"purpose": "clean student records"}
    )
    assert created.status_code == 201 and created.json["status"] == "receiving"
    url = f"/api/v1/verification/jobs/{created.json['id']}"
    record = {"personal_id": an.personal_id, "full_name": "Nguyễn Văn An", "date_of_birth": "1990-01-01", "sex": "male"}
    assert client.post(url + "/records", headers=agency_headers, json={"records": [record] * 2}).status_code == 200
    second = [
        dict(record, personal_id=binh.personal_id, full_name="Trần Thị Bình", sex="female", date_of_birth="1985-05-10"),
        dict(record, date_of_birth="not a date"),
    ]
    assert client.post(url + "/records", headers=agency_headers, json={"records": second}).status_code == 200
    assert (
        client.post(url + "/records", headers=agency_headers, json={"records": [dict(record, role="x")]}).status_code
        == 422
    )
    submitted = client.post(url + "/submit", headers=agency_headers)
    assert submitted.status_code == 202
    job = client.get(url, headers=agency_headers).json
    assert job["summary"]["counts"] == {"match": 3, "malformed": 1}
    assert job["summary"]["malformed_lines"][0]["line"] == 4  # record number, not file line
    assert client.post(url + "/records", headers=agency_headers, json={"records": [record]}).status_code == 409


def test_agency_sees_only_its_own_jobs(client, factory, session, agency, agency_headers, auth_headers):
    an, _, _ = _people(factory)
    job_id = upload(
        client, agency_headers, csv_bytes([[an.personal_id, "Nguyễn Văn An", "1990-01-01", "Nam", "x"]])
    ).json["id"]
    session.add(Agency(code="SYT-01", name="Sở Y tế Hà Nội", daily_quota=10))
    other = auth_headers(factory.staff("agency", "SYT-01"))
    assert client.get(f"/api/v1/verification/jobs/{job_id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/verification/jobs/{job_id}/results", headers=other).status_code == 404
    assert client.get("/api/v1/verification/jobs", headers=other).json == []
    assert [j["id"] for j in client.get("/api/v1/verification/jobs", headers=agency_headers).json] == [job_id]


def test_quota(client, factory, session, agency, agency_headers, auth_headers):
    an, _, _ = _people(factory)
    row = [an.personal_id, "Nguyễn Văn An", "1990-01-01", "Nam", "x"]
    admin = auth_headers(factory.staff("admin"))
    response = client.put(
        "/api/v1/verification/agencies/SGDDT-79",
        headers=admin,
        json={"name": "Sở Giáo dục và Đào tạo TP.HCM", "daily_quota": 4},
    )
    assert response.status_code == 200 and response.json["daily_quota"] == 4
    changed_by = session.scalar(sa.select(Agency.changed_by_account_id).where(Agency.code == "SGDDT-79"))
    assert changed_by is not None  # the administrator who set the quota
    rejected = upload(client, agency_headers, csv_bytes([row] * 5)).json
    job = client.get(f"/api/v1/verification/jobs/{rejected['id']}", headers=agency_headers).json
    assert job["status"] == "rejected" and "only 4 of today's quota of 4" in job["error"]
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
    done = upload(client, agency_headers, csv_bytes([row] * 3)).json
    assert client.get(f"/api/v1/verification/jobs/{done['id']}", headers=agency_headers).json["status"] == "done"
    assert client.get("/api/v1/verification/agencies", headers=admin).json[0]["used_today"] == 3
    created = client.post(
        "/api/v1/verification/record-jobs", headers=agency_headers, json={"purpose": "clean student records"}
    ).json
    record = {"personal_id": an.personal_id, "full_name": "An", "date_of_birth": "1990-01-01", "sex": "male"}
    over = client.post(
        f"/api/v1/verification/jobs/{created['id']}/records", headers=agency_headers, json={"records": [record] * 2}
    )
    assert over.status_code == 429 and over.json["code"] == "quota-exceeded"
    upload(client, agency_headers, csv_bytes([row]))
    refused = upload(client, agency_headers, csv_bytes([row]))
    assert refused.status_code == 429


def test_bad_uploads(client, app, agency_headers):
    assert upload(client, agency_headers, b"a,b\n1,2\n", filename="x.txt").status_code == 422
    no_columns = upload(client, agency_headers, b"ma,ten\n1,2\n").json
    job = client.get(f"/api/v1/verification/jobs/{no_columns['id']}", headers=agency_headers).json
    assert job["status"] == "failed" and "missing: personal_id, full_name, date_of_birth, sex" in job["error"]
    broken = upload(client, agency_headers, b"not a zip", filename="x.xlsx")  # refused before a job exists
    assert broken.status_code == 422 and broken.json["code"] == "unreadable-file"
    app.config["VERIFICATION_MAX_UPLOAD_BYTES"] = 1000
    try:
        too_big = upload(client, agency_headers, b"x" * 5000)
        assert too_big.status_code == 413 and too_big.content_type == "application/problem+json"
    finally:
        app.config.pop("VERIFICATION_MAX_UPLOAD_BYTES")
    assert upload(client, agency_headers, b"x", purpose="").status_code == 422
    not_ready = client.post(
        "/api/v1/verification/record-jobs", headers=agency_headers, json={"purpose": "clean student records"}
    ).json
    assert client.get(f"/api/v1/verification/jobs/{not_ready['id']}/results", headers=agency_headers).status_code == 409


def test_unregistered_agency_cannot_upload(client, factory, auth_headers, verification_config):
    headers = auth_headers(factory.staff("agency", "UNKNOWN"))
    assert upload(client, headers, csv_bytes([])).status_code == 403


def test_cli_verify_file(app, factory, session, agency, tmp_path):
    an, binh, gone = _people(factory)
    source = tmp_path / "students.csv"
    source.write_bytes(csv_bytes(_rows(an, binh, gone)))
    result = app.test_cli_runner().invoke(
        args=["verify-file", str(source), "--agency", "SGDDT-79", "--purpose", "clean student records"]
    )
    assert result.exit_code == 0, result.output
    assert "9 rows" in result.output and "malformed" in result.output
    with open(tmp_path / "students-verified.csv", encoding="utf-8-sig") as results:
        table = list(csv.reader(results))
    assert len(table) == 10 and table[1][6] == "match"
    refused = app.test_cli_runner().invoke(
        args=["verify-file", str(source), "--agency", "NOPE", "--purpose", "clean student records"]
    )
    assert refused.exit_code != 0 and "not registered" in refused.output


def _two_worker_threads(app, config, *, pool=None, timeout_s: float, count: int = 2) -> list[Exception]:
    """Run the worker loop on two (or `count`) threads, each with its own session, until the queue is idle;
    their errors."""
    errors: list[Exception] = []

    def run() -> None:
        try:
            with app.app_context():
                own = db.new_session()
                try:
                    worker.run_until_idle(own, config, pool=pool)
                finally:
                    own.close()
        except Exception as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout_s)
    return errors


# The served path: committed rows, several worker threads sharing one job's chunks, registry reads on
# their own autocommit connection (the tests above run jobs inline, in the request's transaction).
def test_two_worker_threads_share_a_job(make_app, tmp_path):
    app = make_app(VERIFICATION_SPOOL_DIR=str(tmp_path / "spool"), VERIFICATION_CHUNK_ROWS=2, VERIFICATION_WORKER="off")
    with app.app_context():
        session = db.new_session()
        factory = Factory(session)
        people = _people(factory)
        session.add(Agency(code="SGDDT-79", name="Sở Giáo dục", daily_quota=1_000))
        account = factory.staff("agency", "SGDDT-79")
        session.commit()
        username, ids = account.username, sorted([people[0].id, people[1].id, people[1].id, people[2].id])
        session.close()
    client = app.test_client()
    headers = bearer(login(client, username)["access_token"])
    job_id = upload(client, headers, csv_bytes(_rows(*people))).json["id"]

    config = dataclasses.replace(worker.settings(app), mode="thread")
    assert not _two_worker_threads(app, config, timeout_s=30)

    job = client.get(f"/api/v1/verification/jobs/{job_id}", headers=headers).json
    assert job["status"] == "done" and job["progress"]["rows_done"] == 9
    assert job["summary"]["counts"] == {
        "match": 2,
        "mismatch": 1,
        "deceased": 1,
        "invalid_id": 2,
        "not_found": 1,
        "malformed": 2,
    }
    download = client.get(job["results_url"], headers=headers).get_data().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(download)))
    assert [row[5] for row in table[1:]] == [str(line) for line in range(2, 11)]  # parts in order
    with app.app_context():
        audited = db.session.scalars(
            sa.select(AuditEvent.subject_citizen_id).where(AuditEvent.record_type == "verification")
        ).all()
    assert sorted(audited) == ids


def test_claiming_threads_keep_the_pool_busy():
    config = worker.Settings("spool", 3, 1, "thread", 600, 5, processes=0, threads=2, database_url="sqlite://")
    assert worker.claiming_threads(config) == 2  # no pool: the threads verify
    assert worker.claiming_threads(dataclasses.replace(config, processes=2)) == 3
    assert worker.claiming_threads(dataclasses.replace(config, processes=2, threads=4)) == 4
    assert worker.claiming_threads(dataclasses.replace(config, threads=0)) == 1


# The served path with verifying processes (VERIFICATION_PROCESSES, the default on two or more cores):
# the same file gives the same results file and the same audit rows as the threads alone.
def test_processes_give_the_same_results_and_audit_as_threads(make_app, tmp_path):
    app = make_app(VERIFICATION_SPOOL_DIR=str(tmp_path / "spool"), VERIFICATION_CHUNK_ROWS=3, VERIFICATION_WORKER="off")
    with app.app_context():
        session = db.new_session()
        factory = Factory(session)
        people = _people(factory)
        session.add(Agency(code="SGDDT-79", name="Sở Giáo dục", daily_quota=1_000))
        account = factory.staff("agency", "SGDDT-79")
        session.commit()
        username = account.username
        session.close()
    rows = _rows(*people) + [
        [people[0].personal_id, "=HYPERLINK(1)", "01/01/1990", "Nam", "@HS9"],  # formula cells, neutralised
        [people[1].personal_id, '"Trần Thị\nBình"', "10/05/1985", "Nữ", "HS10"],  # a quoted line break
        [people[0].personal_id, "Nguyễn Văn An", "1990-01-01", "Nam", "HS11"],
    ]
    content = csv_bytes(rows)
    client = app.test_client()
    headers = bearer(login(client, username)["access_token"])
    config = dataclasses.replace(worker.settings(app), mode="thread")

    def run_job(pool) -> tuple[str, list[int]]:
        job_id = upload(client, headers, content).json["id"]
        # with a pool, as the embedded worker: one thread more than processes, so a chunk waits queued in the pool
        count = worker.claiming_threads(dataclasses.replace(config, processes=2)) if pool else 2
        assert not _two_worker_threads(app, config, pool=pool, timeout_s=60, count=count)
        job = client.get(f"/api/v1/verification/jobs/{job_id}", headers=headers).json
        assert job["status"] == "done" and job["progress"]["rows_done"] == len(rows), job
        download = client.get(job["results_url"], headers=headers).get_data().decode("utf-8-sig")
        with app.app_context():
            audited = db.session.scalars(
                sa.select(AuditEvent.subject_citizen_id).where(
                    AuditEvent.record_type == "verification", AuditEvent.record_ref == f"verification-job:{job_id}"
                )
            ).all()
        return download, sorted(audited)

    threads_only = run_job(None)
    pool = worker.VerifierPool(2)
    try:
        with_processes = run_job(pool)
        processes = set(pool.pids())  # spawned by the warm-up
        # A verifying process dies (the kernel's OOM killer, an operator): the pool is replaced and
        # the next job still completes, with the same file and audit rows.
        os.kill(min(processes), signal.SIGKILL)
        after_a_death = run_job(pool)
        replaced = set(pool.pids())
    finally:
        pool.shutdown()
    assert len(processes) == 2
    assert with_processes == threads_only
    assert after_a_death == threads_only
    assert replaced and not replaced & processes
    table = list(csv.reader(io.StringIO(threads_only[0])))
    assert [row[5] for row in table[1:]] == [str(line) for line in range(2, 11)] + ["11", "12", "14"]
    assert table[10][1] == "'=HYPERLINK(1)" and table[10][4] == "'@HS9"
    assert len(threads_only[1]) == 7  # one access record per row that found a citizen
