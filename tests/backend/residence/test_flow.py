"""The whole flow through the API: apply, owner consents, officer approves, the registry shows the temporary
residence, the citizen downloads a signed confirmation, and a third party verifies it offline and online."""

from __future__ import annotations

import io

import pytest

from backend.database import utcnow
from shared_schemas import signed as jws


def test_apply_consent_approve_confirm_verify(api, people, application_body, client):
    created = api(
        "applicant",
        "POST",
        "/api/v1/residence/applications",
        json=application_body,
        headers={"Idempotency-Key": "flow-test-0001"},
    )
    assert created.status_code == 201, created.json
    application = created.json
    assert application["status"] == "awaiting_owner_consent"
    assert [m["full_name"] for m in application["members"]] == ["Nguyễn Thị Hồng"]
    app_id = application["id"]

    pending = api("owner", "GET", "/api/v1/residence/consent-requests")
    assert [a["id"] for a in pending.json] == [app_id]
    consented = api("owner", "POST", f"/api/v1/residence/applications/{app_id}/consent", json={"decision": "consent"})
    assert consented.status_code == 200, consented.json
    assert consented.json["status"] == "under_review" and consented.json["due_on"]

    queue = api("officer", "GET", "/api/v1/residence/work-queue")
    assert [item["id"] for item in queue.json] == [app_id]
    assert queue.json[0]["overdue"] is False
    lookup = api(
        "officer",
        "GET",
        f"/api/v1/residence/applications/{app_id}/applicant-residence?purpose=temporary+residence+review",
    )
    assert lookup.status_code == 200 and lookup.json["temporary_address"] is None
    approved = api("officer", "POST", f"/api/v1/residence/applications/{app_id}/decision", json={"decision": "approve"})
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved" and approved.json["approval_document_id"]
    assert [e["status"] for e in approved.json["events"]] == [
        "submitted",
        "awaiting_owner_consent",
        "under_review",
        "approved",
    ]

    record = api("applicant", "GET", "/api/v1/citizens/me").json
    assert record["temporary_address"]["ward_code"] == "26740"
    assert record["temporary_address"]["street"] == "Số 45 Đường Lê Lợi"
    assert record["temporary_until"] == application_body["end_date"]
    assert people["child"].temporary_ward_code == "26740"

    issued = api("applicant", "POST", "/api/v1/residence/confirmations", json={"include_history": True})
    assert issued.status_code == 201, issued.json
    document = issued.json
    # Issued after 1/7/2025: today's units (Bến Nghé became part of Phường Sài Gòn; no district any more).
    assert document["content"]["temporary_address"] == "Số 45 Đường Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh"
    pdf = api("applicant", "GET", f"/api/v1/documents/{document['id']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")

    # Offline: only the published JWKS, the token from the QR and the document's fields.
    jwks = client.get("/.well-known/jwks.json").json
    verified = jws.verify_document_token(document["token"], jwks, utcnow(), content=document["content"])
    assert verified.claims["doc"] == "residence-confirmation"
    assert (
        verified.claims["hid"] == people["applicant"].personal_id[:4] + "******" + people["applicant"].personal_id[-2:]
    )
    # Online, anonymously: the token, then the PDF file itself.
    online = client.post("/api/v1/documents/verify", json={"token": document["token"]})
    assert online.json["status"] == "valid", online.json
    upload = client.post(
        "/api/v1/documents/verify-pdf",
        data={"file": (io.BytesIO(pdf.data), "ct07.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200 and upload.json["status"] == "valid", upload.json

    # One byte changed anywhere fails.
    tampered_pdf = bytearray(pdf.data)
    tampered_pdf[len(tampered_pdf) // 2] ^= 0x01
    upload = client.post(
        "/api/v1/documents/verify-pdf",
        data={"file": (io.BytesIO(bytes(tampered_pdf)), "ct07.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.json["status"] == "tampered", upload.json
    header, payload, signature = document["token"].split(".")
    raw = bytearray(jws.b64url_decode(payload))
    raw[10] ^= 0x01
    forged = ".".join([header, jws.b64url_encode(bytes(raw)), signature])
    assert client.post("/api/v1/documents/verify", json={"token": forged}).json["status"] == "tampered"
    with pytest.raises(jws.BadSignature):
        jws.verify_document_token(forged, jwks, utcnow())
    changed = {**document["content"], "temporary_until": "2099-12-31"}
    mismatch = client.post("/api/v1/documents/verify", json={"token": document["token"], "content": changed}).json
    assert (mismatch["status"], mismatch["reason"]) == ("tampered", "content-mismatch")

    kinds = [n["kind"] for n in api("applicant", "GET", "/api/v1/notifications").json["items"]]
    for kind in ("application-received", "owner-consented", "application-approved", "document-issued"):
        assert kind in kinds
    assert "owner-consent-needed" in [n["kind"] for n in api("owner", "GET", "/api/v1/notifications").json["items"]]


def test_idempotent_retry_replays_and_conflicts(api, application_body):
    first = api(
        "applicant",
        "POST",
        "/api/v1/residence/applications",
        json=application_body,
        headers={"Idempotency-Key": "retry-key-0001"},
    )
    again = api(
        "applicant",
        "POST",
        "/api/v1/residence/applications",
        json=application_body,
        headers={"Idempotency-Key": "retry-key-0001"},
    )
    assert first.status_code == again.status_code == 201
    assert first.json["id"] == again.json["id"]
    other = api(
        "applicant",
        "POST",
        "/api/v1/residence/applications",
        json={**application_body, "reason": "Học tập"},
        headers={"Idempotency-Key": "retry-key-0001"},
    )
    assert other.status_code == 409 and other.content_type == "application/problem+json"
    assert len(api("applicant", "GET", "/api/v1/residence/applications").json) == 1
