"""Criminal-record certificates end to end: convictions recorded, a level-2 citizen requests No. 1 and No. 2,
pays the fee, the officer's queue shows the legal deadline, and the issued signed certificates show expunged
and current convictions as the law says."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.documents import service as documents
from backend.documents.models import SignedDocument
from backend.judicial.models import CertificateRequest
from backend.judicial.service import fee_for
from tests.backend.payments.support import Clock, at, callback, deliver, open_intent

REQUESTS = "/api/v1/judicial/requests"
NOW = at(2026, 11, 20, 9)


@pytest.fixture()
def world(app, monkeypatch, factory, auth_headers, client):
    monkeypatch.setitem(app.config, "CLOCK", Clock(NOW))
    from datetime import date

    person = factory.citizen(full_name="Hoàng Văn Án", date_of_birth=date(1985, 6, 1))
    officer = auth_headers(factory.staff("officer", "01"))
    convictions = [
        # expunged: fine completed 2020-01-10, one year later
        {
            "judgment_number": "12/2019/HS-ST",
            "judgment_date": "2019-09-01",
            "offence": "Trộm cắp tài sản",
            "penal_code_article": "Điều 173",
            "offence_date": "2019-05-01",
            "principal_penalty": "fine",
            "principal_completed_on": "2020-01-10",
        },
        # not expunged: 3 years' imprisonment completed 2025-03-01, expunged on 2027-03-01
        {
            "judgment_number": "45/2022/HS-ST",
            "judgment_date": "2022-03-01",
            "offence": "Cố ý gây thương tích",
            "penal_code_article": "Điều 134",
            "offence_date": "2021-11-11",
            "principal_penalty": "imprisonment",
            "imprisonment_months": 36,
            "principal_completed_on": "2025-03-01",
            "ban": "Cấm đảm nhiệm chức vụ 2 năm",
            "additional_completed_on": "2026-03-01",
        },
        # offended at 15: treated as no record
        {
            "judgment_number": "3/2001/HS-ST",
            "judgment_date": "2001-02-01",
            "offence": "Cướp giật tài sản",
            "penal_code_article": "Điều 171",
            "offence_date": "2000-12-01",
            "principal_penalty": "non-custodial-reform",
            "principal_completed_on": "2002-02-01",
        },
    ]
    for body in convictions:
        response = client.post(
            "/api/v1/judicial/convictions",
            headers=officer,
            json={"personal_id": person.personal_id, "court": "Tòa án nhân dân quận Hoàn Kiếm", **body},
        )
        assert response.status_code == 201, response.json
    return {"person": person, "officer": officer, "citizen": auth_headers(factory.account(person, level=2))}


def _request(client, headers, key="cert-key-0001", **fields):
    return client.post(
        REQUESTS,
        json={"certificate_type": 1, "purpose": "Xin việc", **fields},
        headers={**headers, "Idempotency-Key": key},
    )


def _pay_and_issue(client, app, world, request):
    intent = open_intent(
        client,
        world["citizen"],
        "judicial-fee",
        request["number"],
        request["fee_amount"],
        key="fee-" + request["number"],
    ).json
    assert deliver(client, callback(app, intent, NOW)).json["result"] == "posted"
    issued = client.post(f"{REQUESTS}/{request['number']}/issue", headers=world["officer"])
    assert issued.status_code == 200, issued.json
    # Issuing is a change by an official: in the person's access log, as a creation, with who.
    log = client.get("/api/v1/me/access-log", headers=world["citizen"]).json["items"]
    assert any(e["action"] == "create" and e["record_type"] == "criminal-record-certificate"
               and e["actor_role"] == "officer" for e in log)
    return issued.json


def test_certificate_no1_and_no2_show_the_right_convictions(client, app, world, session):
    no1 = _request(client, world["citizen"], include_bans=True).json
    assert (no1["status"], no1["fee_amount"], no1["due_on"]) == ("awaiting_payment", 200_000, None)
    # Not in the queue before the fee is paid; then there with its legal deadline.
    assert client.get("/api/v1/judicial/queue", headers=world["officer"]).json == []
    intent = open_intent(
        client, world["citizen"], "judicial-fee", no1["number"], 200_000, key="fee-1-aaaa"
    ).json
    deliver(client, callback(app, intent, NOW))
    queue = client.get("/api/v1/judicial/queue", headers=world["officer"]).json
    assert [(q["number"], q["due_on"], q["overdue"]) for q in queue] == [(no1["number"], "2026-11-30", False)]

    preview = client.get(f"{REQUESTS}/{no1['number']}/compilation", headers=world["officer"]).json
    assert [e["conviction"]["judgment_number"] for e in preview["entries"]] == ["45/2022/HS-ST"]
    issued = client.post(f"{REQUESTS}/{no1['number']}/issue", headers=world["officer"]).json
    assert issued["status"] == "issued"
    doc1 = client.get(f"/api/v1/documents/{issued['document_id']}", headers=world["citizen"]).json
    assert doc1["doc_type"] == "judicial_record_1"
    assert [c["judgment_number"] for c in doc1["content"]["convictions"]] == ["45/2022/HS-ST"]
    assert doc1["content"]["convictions"][0]["ban"] == "Cấm đảm nhiệm chức vụ 2 năm"

    no2 = _request(client, world["citizen"], key="cert-key-0002", certificate_type=2).json
    issued2 = _pay_and_issue(client, app, world, no2)
    doc2 = client.get(f"/api/v1/documents/{issued2['document_id']}", headers=world["citizen"]).json
    shown = {c["judgment_number"]: c for c in doc2["content"]["convictions"]}
    assert set(shown) == {"12/2019/HS-ST", "45/2022/HS-ST", "3/2001/HS-ST"}
    assert shown["12/2019/HS-ST"]["expunged"] and shown["12/2019/HS-ST"]["expunged_on"] == "2021-01-10"
    assert not shown["45/2022/HS-ST"]["expunged"]
    assert shown["3/2001/HS-ST"]["treated_as_no_record"]

    # Both are signed documents that verify (online, and as the downloaded PDF), issued to the person only.
    for document_id in (issued["document_id"], issued2["document_id"]):
        stored = session.get(SignedDocument, document_id)
        assert stored.holder_citizen_id == world["person"].id
        assert documents.verify(session=session, token=stored.token, now=NOW).status == "valid"
        assert documents.verify_pdf(session=session, pdf=stored.pdf, now=NOW).status == "valid"
    assert (
        client.get(f"/api/v1/documents/{issued2['document_id']}", headers=world["officer"]).status_code == 403
    )


def test_no1_after_the_expungement_date_shows_no_record(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "CLOCK", Clock(at(2027, 3, 1, 9)))
    no1 = _request(client, world["citizen"], fee_category="student").json
    assert no1["fee_amount"] == 100_000
    preview = client.get(f"{REQUESTS}/{no1['number']}/compilation", headers=world["officer"]).json
    assert preview["entries"] == [] and preview["has_criminal_record"] is False
    monkeypatch.setitem(app.config, "CLOCK", Clock(at(2027, 2, 28, 9)))
    preview = client.get(f"{REQUESTS}/{no1['number']}/compilation", headers=world["officer"]).json
    assert [e["conviction"]["judgment_number"] for e in preview["entries"]] == ["45/2022/HS-ST"]


def test_fees(app):
    with app.app_context():
        _check_fees()


def _check_fees():
    assert fee_for("standard", 1) == 200_000 and fee_for("standard", 2) == 200_000
    assert fee_for("standard", 5) == 215_000 and fee_for("student", 3) == 105_000
    assert fee_for("poor-household", 4) == 0


def test_exempt_request_is_queued_at_once_with_its_deadline(client, world):
    request = _request(
        client, world["citizen"], fee_category="disability", lived_in_several_provinces=True
    ).json
    assert (request["status"], request["fee_amount"], request["due_on"]) == ("queued", 0, "2026-12-05")
    refused = open_intent(client, world["citizen"], "judicial-fee", request["number"], 1, key="fee-exempt-1")
    assert refused.status_code == 409 and refused.json["code"] == "request-not-payable"


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"certificate_type": 3}, 422),
        ({"certificate_type": 2, "include_bans": True}, 422),
        ({"delivery": "post"}, 422),
        ({"delivery": "electronic", "postal_address": "Số 1 Phố Huế, Hà Nội"}, 422),
        ({"copies": 0}, 422),
        ({"fee_category": "friend-of-officer"}, 422),
        ({"fee_category": "child"}, 422),  # the person is 41
        ({"purpose": ""}, 422),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(client, world, session, fields, status):
    before = session.scalar(sa.select(sa.func.count()).select_from(CertificateRequest))
    response = _request(client, world["citizen"], **fields)
    assert response.status_code == status and response.content_type == "application/problem+json"
    assert session.scalar(sa.select(sa.func.count()).select_from(CertificateRequest)) == before


def test_wrong_fee_amount_and_level_one_are_refused(client, world, factory, auth_headers):
    request = _request(client, world["citizen"]).json
    wrong = open_intent(
        client, world["citizen"], "judicial-fee", request["number"], 100_000, key="fee-wrong-1"
    )
    assert wrong.status_code == 422 and wrong.json["code"] == "amount-mismatch"
    level1 = auth_headers(factory.account(factory.citizen(full_name="Lê Văn Một"), level=1))
    assert _request(client, level1).status_code == 403
    assert client.post(f"{REQUESTS}/{request['number']}/issue", headers=world["officer"]).status_code == 409


def test_officers_see_only_their_jurisdiction(client, world, factory, auth_headers):
    request = _request(client, world["citizen"]).json
    elsewhere = auth_headers(factory.staff("officer", "79"))
    assert client.get(f"{REQUESTS}/{request['number']}", headers=elsewhere).status_code == 404
    assert client.post(f"{REQUESTS}/{request['number']}/issue", headers=elsewhere).status_code == 404
