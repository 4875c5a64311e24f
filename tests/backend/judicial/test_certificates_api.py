"""Criminal-record certificates end to end: convictions recorded, a level-2 citizen requests No. 1 and No. 2,
pays the fee, the officer's queue shows the legal deadline, and the issued signed certificates show expunged
and current convictions as the law says."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from backend.documents import service as documents
from backend.documents.models import SignedDocument
from backend.judicial.certificate import entry_line
from backend.judicial.fees import fee_for
from backend.judicial.models import CertificateRequest, ConvictionRecord
from backend.judicial.service import CertificateEntry
from backend.law.store import NotInForce
from tests.backend.payments.support import Clock, at, callback, deliver, open_intent

REQUESTS = "/api/v1/judicial/requests"
NOW = at(2026, 11, 20, 9)


@pytest.fixture()
def world(app, monkeypatch, factory, auth_headers, client):
    monkeypatch.setitem(app.config, "CLOCK", Clock(NOW))
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
            "crime_category": "less-serious",
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
            "crime_category": "serious",
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
            "crime_category": "serious",
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
    assert any(
        e["action"] == "create" and e["record_type"] == "criminal-record-certificate" and e["actor_role"] == "officer"
        for e in log
    )
    return issued.json


def test_certificate_no1_and_no2_show_the_right_convictions(client, app, world, session):
    no1 = _request(client, world["citizen"], include_bans=True).json
    assert (no1["status"], no1["fee_amount"], no1["due_on"]) == ("awaiting_payment", 200_000, None)
    # Not in the queue before the fee is paid; then there with its legal deadline.
    assert client.get("/api/v1/judicial/queue", headers=world["officer"]).json == []
    intent = open_intent(client, world["citizen"], "judicial-fee", no1["number"], 200_000, key="fee-1-aaaa").json
    deliver(client, callback(app, intent, NOW))
    queue = client.get("/api/v1/judicial/queue", headers=world["officer"]).json
    assert [(q["number"], q["due_on"], q["overdue"]) for q in queue] == [(no1["number"], "2026-11-30", False)]
    # The queue names whose record is asked for: the person sees that read in their access log.
    log = client.get("/api/v1/me/access-log", headers=world["citizen"]).json["items"]
    assert any(e["record_type"] == "certificate-work-queue" and e["actor_role"] == "officer" for e in log)

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
    assert client.get(f"/api/v1/documents/{issued2['document_id']}", headers=world["officer"]).status_code == 403


def test_no1_after_the_expungement_date_shows_no_record(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "CLOCK", Clock(at(2027, 3, 1, 9)))
    no1 = _request(client, world["citizen"]).json
    preview = client.get(f"{REQUESTS}/{no1['number']}/compilation", headers=world["officer"]).json
    assert preview["entries"] == [] and preview["has_criminal_record"] is False
    monkeypatch.setitem(app.config, "CLOCK", Clock(at(2027, 2, 28, 9)))
    preview = client.get(f"{REQUESTS}/{no1['number']}/compilation", headers=world["officer"]).json
    assert [e["conviction"]["judgment_number"] for e in preview["entries"]] == ["45/2022/HS-ST"]


def test_fees(app):
    with app.app_context():
        _check_fees()


def _check_fees():
    """Circular 244/2016/TT-BTC Art. 4 amounts, in force from 1/1/2017 (backend/law/data/judicial.json)."""
    on = date(2026, 11, 20)
    assert fee_for("standard", 1, on) == 200_000 and fee_for("standard", 2, on) == 200_000
    assert fee_for("standard", 5, on) == 215_000 and fee_for("student", 3, on) == 105_000
    assert fee_for("poor-household", 4, on) == 0 and fee_for("elderly", 1, on) == 0
    with pytest.raises(NotInForce):
        fee_for("standard", 1, date(2016, 12, 31))


def test_a_claimed_exemption_pays_the_standard_fee_until_an_officer_accepts_its_evidence(client, world, session):
    """Issue 12/14: a self-declared "poor household" or "disability" is a claim, not a free pass."""
    request = _request(client, world["citizen"], fee_category="disability", lived_in_several_provinces=True).json
    assert (request["status"], request["fee_amount"], request["fee_claim_status"]) == (
        "awaiting_payment",
        200_000,
        "claimed",
    )
    claims = client.get("/api/v1/judicial/fee-claims", headers=world["officer"]).json
    assert [c["number"] for c in claims] == [request["number"]]
    seen = client.get("/api/v1/me/access-log", headers=world["citizen"]).json
    assert any(e["purpose"] == "fee exemption checks" for e in seen["items"]), seen
    accepted = client.post(
        f"{REQUESTS}/{request['number']}/fee-claim",
        headers=world["officer"],
        json={"decision": "accept", "evidence": "Giấy xác nhận khuyết tật số 123/XN"},
    )
    assert accepted.status_code == 200, accepted.json
    assert (
        accepted.json["status"],
        accepted.json["fee_amount"],
        accepted.json["due_on"],
        accepted.json["fee_claim_status"],
    ) == ("queued", 0, "2026-12-05", "accepted")
    refused = open_intent(client, world["citizen"], "judicial-fee", request["number"], 1, key="fee-exempt-1")
    assert refused.status_code == 409 and refused.json["code"] == "request-not-payable"
    again = client.post(
        f"{REQUESTS}/{request['number']}/fee-claim",
        headers=world["officer"],
        json={"decision": "refuse", "evidence": "Không có giấy tờ"},
    )
    assert again.status_code == 409
    stored = session.get(
        CertificateRequest,
        session.scalar(sa.select(CertificateRequest.id).where(CertificateRequest.number == request["number"])),
    )
    assert stored.fee_claim_evidence == "Giấy xác nhận khuyết tật số 123/XN"


def test_a_refused_claim_keeps_the_standard_fee_and_other_officers_cannot_decide(client, world, factory, auth_headers):
    request = _request(client, world["citizen"], fee_category="poor-household").json
    elsewhere = auth_headers(factory.staff("officer", "79"))
    assert client.get("/api/v1/judicial/fee-claims", headers=elsewhere).json == []
    outside = client.post(
        f"{REQUESTS}/{request['number']}/fee-claim",
        headers=elsewhere,
        json={"decision": "accept", "evidence": "Sổ hộ nghèo"},
    )
    assert outside.status_code == 404
    refused = client.post(
        f"{REQUESTS}/{request['number']}/fee-claim",
        headers=world["officer"],
        json={"decision": "refuse", "evidence": "Không có trong danh sách hộ nghèo"},
    )
    assert (refused.json["status"], refused.json["fee_amount"], refused.json["fee_claim_status"]) == (
        "awaiting_payment",
        200_000,
        "refused",
    )


@pytest.mark.parametrize(
    ("born", "category", "outcome"),
    [
        (date(1966, 11, 20), "elderly", ("queued", 0, "verified")),  # 60th birthday on the request day
        (date(1966, 11, 21), "elderly", 422),  # 60 tomorrow: not yet elderly (Law on the Elderly Art. 2)
        (date(2010, 11, 21), "child", ("queued", 0, "verified")),  # 15, turns 16 tomorrow
        (date(2010, 11, 20), "child", 422),  # 16 today
    ],
)
def test_age_exemptions_are_registry_facts(client, factory, auth_headers, app, monkeypatch, born, category, outcome):
    monkeypatch.setitem(app.config, "CLOCK", Clock(NOW))
    person = factory.citizen(full_name="Trần Văn Tuổi", date_of_birth=born)
    response = _request(client, auth_headers(factory.account(person, level=2)), fee_category=category)
    if outcome == 422:
        assert response.status_code == 422
    else:
        assert (response.json["status"], response.json["fee_amount"], response.json["fee_claim_status"]) == outcome


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
    wrong = open_intent(client, world["citizen"], "judicial-fee", request["number"], 100_000, key="fee-wrong-1")
    assert wrong.status_code == 422 and wrong.json["code"] == "amount-mismatch"
    level1 = auth_headers(factory.account(factory.citizen(full_name="Lê Văn Một"), level=1))
    assert _request(client, level1).status_code == 403
    assert client.post(f"{REQUESTS}/{request['number']}/issue", headers=world["officer"]).status_code == 409


def test_officers_see_only_their_jurisdiction(client, world, factory, auth_headers):
    request = _request(client, world["citizen"]).json
    elsewhere = auth_headers(factory.staff("officer", "79"))
    assert client.get(f"{REQUESTS}/{request['number']}", headers=elsewhere).status_code == 404
    assert client.post(f"{REQUESTS}/{request['number']}/issue", headers=elsewhere).status_code == 404


def test_a_suspended_sentence_carries_its_probation_term_onto_the_certificate(client, app, world, session):
    """Penal Code Art. 65: the officer enters the probation term; the count of Art. 70(2) runs from its end."""
    base = {
        "personal_id": world["person"].personal_id,
        "court": "Tòa án nhân dân quận Ba Đình",
        "judgment_date": "2024-05-10",
        "offence": "Đánh bạc",
        "penal_code_article": "Điều 321",
        "offence_date": "2024-01-05",
        "crime_category": "less-serious",
        "principal_penalty": "suspended-sentence",
    }
    missing = client.post(
        "/api/v1/judicial/convictions", headers=world["officer"], json={**base, "judgment_number": "7/2024/HS-ST"}
    )
    assert missing.status_code == 422 and "probation_months" in missing.json["errors"]["json"]
    recorded = client.post(
        "/api/v1/judicial/convictions",
        headers=world["officer"],
        json={**base, "judgment_number": "7/2024/HS-ST", "probation_months": 24},
    )
    assert recorded.status_code == 201 and recorded.json["probation_months"] == 24
    no1 = _request(client, world["citizen"]).json
    preview = client.get(f"{REQUESTS}/{no1['number']}/compilation", headers=world["officer"]).json
    entry = next(e for e in preview["entries"] if e["conviction"]["judgment_number"] == "7/2024/HS-ST")
    assert entry["conviction"]["probation_months"] == 24 and not entry["expunged"]
    issued = _pay_and_issue(client, app, world, no1)
    document = client.get(f"/api/v1/documents/{issued['document_id']}", headers=world["citizen"]).json
    shown = next(c for c in document["content"]["convictions"] if c["judgment_number"] == "7/2024/HS-ST")
    assert shown["probation_months"] == 24
    line = entry_line(
        1, CertificateEntry(session.get(ConvictionRecord, recorded.json["id"]), None, False, False), shown
    )
    assert "Tù cho hưởng án treo, thời gian thử thách 2 năm" in line.value


def test_a_national_security_conviction_stays_until_a_court_expunges_it(client, app, world):
    """Art. 70(1), 71: Chapter XIII (Arts. 108-122) is never expunged automatically."""
    recorded = client.post(
        "/api/v1/judicial/convictions",
        headers=world["officer"],
        json={
            "personal_id": world["person"].personal_id,
            "court": "Tòa án nhân dân TP Hà Nội",
            "judgment_number": "1/2010/HS-ST",
            "judgment_date": "2010-03-01",
            "offence": "Tuyên truyền chống Nhà nước",
            "penal_code_article": "Điều 117",
            "offence_date": "2009-10-01",
            "crime_category": "very-serious",
            "principal_penalty": "imprisonment",
            "imprisonment_months": 24,
            "principal_completed_on": "2012-03-01",
        },
    )
    assert recorded.status_code == 201, recorded.json
    no2 = _request(client, world["citizen"], certificate_type=2).json
    preview = client.get(f"{REQUESTS}/{no2['number']}/compilation", headers=world["officer"]).json
    entry = next(e for e in preview["entries"] if e["conviction"]["judgment_number"] == "1/2010/HS-ST")
    assert (entry["expunged"], entry["court_must_decide"]) == (False, "XIII")
