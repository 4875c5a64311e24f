"""Every bad input of the issue gets a problem-details error and changes nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.notifications.models import Notification
from backend.residence.models import ResidenceApplication, ResidenceAttachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def multipart(content: bytes, filename: str, mimetype: str) -> dict:
    """A multipart body built by hand: the test client would spool a large one to a file it never closes."""
    boundary = "congdan-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: {mimetype}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def _counts(session):
    return (
        session.scalar(sa.select(sa.func.count()).select_from(ResidenceApplication)),
        session.scalar(sa.select(sa.func.count()).select_from(ResidenceAttachment)),
        session.scalar(sa.select(sa.func.count()).select_from(Notification)),
    )


def _problem(response, status):
    assert response.status_code == status, response.json
    assert response.content_type == "application/problem+json"
    assert response.json["detail"]
    return response.json


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b, t: {"start_date": (t - timedelta(days=1)).isoformat()}, "start_date"),
        (lambda b, t: {"end_date": b["start_date"]}, "end_date"),
        (lambda b, t: {"end_date": (t - timedelta(days=10)).isoformat()}, "end_date"),
        (lambda b, t: {"end_date": (t + timedelta(days=1 + 366 * 2)).isoformat()}, "end_date"),
        (lambda b, t: {"ward_code": "99999"}, "ward_code"),
        (lambda b, t: {"ward_code": "00088"}, "ward_code"),  # the applicant's own permanent ward
        (lambda b, t: {"ward_code": "12a45"}, "ward_code"),
        (lambda b, t: {"owner_personal_id": None}, "owner_personal_id"),
        # An owner ID not in the registry is not refused any more: that answer was a name oracle (test_owner_oracle.py).
        (lambda b, t: {"member_personal_ids": ["001090000001"]}, "member_personal_ids"),
        (lambda b, t: {"legal_basis": "squatting"}, "legal_basis"),
        (lambda b, t: {"start_date": "2026-02-30"}, "start_date"),
        (lambda b, t: {"role": "officer"}, "role"),
    ],
)
def test_bad_application_is_refused(api, session, application_body, today, change, field):
    body = {**application_body, **change(application_body, today)}
    body = {k: v for k, v in body.items() if v is not None}
    before = _counts(session)
    problem = _problem(api("applicant", "POST", "/api/v1/residence/applications", json=body), 422)
    assert field in problem["errors"]["json"]
    assert _counts(session) == before


def test_member_from_another_household(api, session, application_body, people):
    body = {**application_body, "member_personal_ids": [people["stranger"].personal_id]}
    problem = _problem(api("applicant", "POST", "/api/v1/residence/applications", json=body), 422)
    assert "household" in problem["detail"]


def test_second_open_application_for_the_same_address(api, session, application_body):
    assert api("applicant", "POST", "/api/v1/residence/applications", json=application_body).status_code == 201
    before = _counts(session)
    same_address = {**application_body, "street": "  số 45  đường LÊ LỢI ", "reason": "Lần nữa"}
    problem = _problem(api("applicant", "POST", "/api/v1/residence/applications", json=same_address), 409)
    assert "open application" in problem["detail"]
    assert _counts(session) == before


def test_consent_from_someone_who_is_not_the_owner(api, session, application_body):
    app_id = api("applicant", "POST", "/api/v1/residence/applications", json=application_body).json["id"]
    for who in ("stranger", "applicant"):
        problem = _problem(
            api(who, "POST", f"/api/v1/residence/applications/{app_id}/consent", json={"decision": "consent"}), 403
        )
        assert "owner" in problem["detail"]
    assert session.get(ResidenceApplication, app_id).status == "awaiting_owner_consent"
    _problem(api("owner", "POST", f"/api/v1/residence/applications/{app_id}/consent", json={"decision": "maybe"}), 422)


@pytest.mark.parametrize(
    ("content", "filename", "mimetype", "status"),
    [
        (b"MZ\x90\x00 this is an executable", "contract.pdf", "application/pdf", 422),  # lies about its type
        (PNG, "photo.pdf", "application/pdf", 422),  # a PNG declared as PDF
        (b"GIF89a....", "scan.gif", "image/gif", 422),  # a real type we do not take
        (b"", "empty.pdf", "application/pdf", 422),
        (b"%PDF-1.4\n" + b"0" * (1024 * 1024), "big.pdf", "application/pdf", 413),  # over 1 MiB
    ],
)
def test_bad_attachments(api, session, application_body, content, filename, mimetype, status):
    app_id = api("applicant", "POST", "/api/v1/residence/applications", json=application_body).json["id"]
    before = _counts(session)
    response = api(
        "applicant",
        "POST",
        f"/api/v1/residence/applications/{app_id}/attachments",
        **multipart(content, filename, mimetype),
    )
    _problem(response, status)
    assert _counts(session) == before


def test_good_attachments_are_checked_by_content(api, session, application_body):
    app_id = api("applicant", "POST", "/api/v1/residence/applications", json=application_body).json["id"]
    for content, name in ((PDF, "hop-dong-thue.pdf"), (PNG, "anh.png")):
        response = api(
            "applicant",
            "POST",
            f"/api/v1/residence/applications/{app_id}/attachments",
            data={"file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.json
    shown = api("applicant", "GET", f"/api/v1/residence/applications/{app_id}").json
    assert [a["media_type"] for a in shown["attachments"]] == ["application/pdf", "image/png"]
    # Not multipart at all, or missing the file field.
    _problem(
        api(
            "applicant",
            "POST",
            f"/api/v1/residence/applications/{app_id}/attachments",
            data=b"x",
            content_type="text/plain",
        ),
        415,
    )
    _problem(
        api(
            "applicant",
            "POST",
            f"/api/v1/residence/applications/{app_id}/attachments",
            data={},
            content_type="multipart/form-data",
        ),
        422,
    )


def test_decision_needs_a_reason_to_reject(api, session, application_body):
    body = {**application_body, "legal_basis": "owner"}
    body.pop("owner_personal_id")
    body.pop("member_personal_ids")
    app_id = api("applicant", "POST", "/api/v1/residence/applications", json=body).json["id"]
    _problem(
        api("officer", "POST", f"/api/v1/residence/applications/{app_id}/decision", json={"decision": "reject"}), 422
    )
    assert session.get(ResidenceApplication, app_id).status == "under_review"
