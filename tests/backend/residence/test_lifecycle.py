"""Application life cycle, officer jurisdiction, extension, deregistration and accommodation notices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.database import utcnow
from backend.residence.models import ResidenceApplication, TemporaryResidence
from backend.residence.notices import notice_deadline
from shared_schemas.clock import VIETNAM_TZ


def _own_basis(body):
    body = {**body, "legal_basis": "owner"}
    body.pop("owner_personal_id")
    body.pop("member_personal_ids")
    return body


def _submit(api, body):
    response = api("applicant", "POST", "/api/v1/residence/applications", json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_owner_refuses(api, application_body):
    app_id = _submit(api, application_body)
    refused = api("owner", "POST", f"/api/v1/residence/applications/{app_id}/consent", json={"decision": "refuse"})
    assert refused.json["status"] == "rejected" and "owner" in refused.json["status_reason"]


def test_withdraw_then_apply_again(api, application_body):
    app_id = _submit(api, application_body)
    withdrawn = api("applicant", "POST", f"/api/v1/residence/applications/{app_id}/withdraw")
    assert withdrawn.json["status"] == "withdrawn"
    assert api("applicant", "POST", f"/api/v1/residence/applications/{app_id}/withdraw").status_code == 409
    _submit(api, application_body)  # no longer a duplicate


def test_request_information_resubmit_and_reject(api, application_body, session):
    app_id = _submit(api, _own_basis(application_body))
    asked = api(
        "officer",
        "POST",
        f"/api/v1/residence/applications/{app_id}/decision",
        json={"decision": "request_information", "reason": "Bổ sung hợp đồng thuê nhà có công chứng."},
    )
    assert asked.json["status"] == "needs_information"
    assert (
        api(
            "officer", "POST", f"/api/v1/residence/applications/{app_id}/decision", json={"decision": "approve"}
        ).status_code
        == 409
    )
    again = api("applicant", "POST", f"/api/v1/residence/applications/{app_id}/resubmit", json={"note": "Đã bổ sung"})
    assert again.json["status"] == "under_review"
    rejected = api(
        "officer",
        "POST",
        f"/api/v1/residence/applications/{app_id}/decision",
        json={"decision": "reject", "reason": "Địa chỉ không phải chỗ ở hợp pháp."},
    )
    assert rejected.json["status"] == "rejected"
    assert rejected.json["status_reason"] == "Địa chỉ không phải chỗ ở hợp pháp."
    assert session.get(ResidenceApplication, app_id).applicant_citizen_id is not None
    inbox = api("applicant", "GET", "/api/v1/notifications").json
    assert {"information-needed", "application-rejected"} <= {n["kind"] for n in inbox["items"]}


def test_jurisdiction_and_privacy(api, application_body, session, people):
    app_id = _submit(api, _own_basis(application_body))
    assert api("officer_elsewhere", "GET", f"/api/v1/residence/applications/{app_id}").status_code == 403
    assert (
        api(
            "officer_elsewhere",
            "POST",
            f"/api/v1/residence/applications/{app_id}/decision",
            json={"decision": "approve"},
        ).status_code
        == 403
    )
    assert api("officer_elsewhere", "GET", "/api/v1/residence/work-queue").json == []
    assert api("stranger", "GET", f"/api/v1/residence/applications/{app_id}").status_code == 404
    assert api("stranger", "POST", f"/api/v1/residence/applications/{app_id}/withdraw").status_code == 404
    assert api("officer_province", "GET", f"/api/v1/residence/applications/{app_id}").status_code == 200
    audited = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.subject_citizen_id == people["applicant"].id, AuditEvent.record_type == "residence-application"
        )
    ).all()
    assert audited and audited[-1].purpose


def test_work_queue_oldest_first_with_overdue_flag(api, application_body, session):
    first = _submit(api, _own_basis(application_body))
    second = _submit(api, {**_own_basis(application_body), "street": "Số 7 Đường Đồng Khởi"})
    old = session.get(ResidenceApplication, second)
    old.received_at = utcnow() - timedelta(days=20)
    old.due_on = date.today() - timedelta(days=10)
    session.flush()
    queue = api("officer", "GET", "/api/v1/residence/work-queue").json
    assert [item["id"] for item in queue] == [second, first]
    assert queue[0]["overdue"] is True and queue[0]["working_days_left"] < 0
    assert queue[1]["overdue"] is False and queue[1]["working_days_left"] >= 2


def _approve(api, body):
    app_id = _submit(api, body)
    assert (
        api(
            "officer", "POST", f"/api/v1/residence/applications/{app_id}/decision", json={"decision": "approve"}
        ).status_code
        == 200
    )
    return app_id


def test_extension_window_and_deregistration_voids_confirmation(api, application_body, session, people, client, today):
    _approve(api, _own_basis(application_body))
    too_early = api(
        "applicant",
        "POST",
        "/api/v1/residence/temporary-residence/extensions",
        json={"end_date": (today + timedelta(days=700)).isoformat()},
    )
    assert too_early.status_code == 422 and "15 days" in too_early.json["detail"]
    residence = session.scalar(
        sa.select(TemporaryResidence).where(TemporaryResidence.citizen_id == people["applicant"].id)
    )
    residence.end_date = today + timedelta(days=10)
    session.flush()
    over = api(
        "applicant",
        "POST",
        "/api/v1/residence/temporary-residence/extensions",
        json={"end_date": (today + timedelta(days=11 + 740)).isoformat()},
    )
    assert over.status_code == 422
    extension = api(
        "applicant",
        "POST",
        "/api/v1/residence/temporary-residence/extensions",
        json={"end_date": (today + timedelta(days=200)).isoformat()},
    )
    assert extension.status_code == 201 and extension.json["kind"] == "extension"
    assert extension.json["status"] == "under_review"
    api(
        "officer",
        "POST",
        f"/api/v1/residence/applications/{extension.json['id']}/decision",
        json={"decision": "approve"},
    )
    assert people["applicant"].temporary_until == today + timedelta(days=200)

    confirmation = api("applicant", "POST", "/api/v1/residence/confirmations", json={}).json
    assert client.post("/api/v1/documents/verify", json={"token": confirmation["token"]}).json["status"] == "valid"
    ended = api("applicant", "POST", "/api/v1/residence/temporary-residence/deregistration", json={})
    assert ended.status_code == 200 and ended.json["status"] == "ended"
    assert people["applicant"].temporary_ward_code is None
    verdict = client.post("/api/v1/documents/verify", json={"token": confirmation["token"]}).json
    assert (verdict["status"], verdict["reason"]) == ("revoked", "residence-changed")
    assert api("applicant", "POST", "/api/v1/residence/temporary-residence/deregistration", json={}).status_code == 409


def test_notice_deadline_rule():
    def at(hour, minute=0):
        return datetime(2026, 11, 20, hour, minute, tzinfo=VIETNAM_TZ)

    assert notice_deadline(at(14)) == datetime(2026, 11, 20, 23, 0, tzinfo=VIETNAM_TZ)
    assert notice_deadline(at(22, 59)) == datetime(2026, 11, 20, 23, 0, tzinfo=VIETNAM_TZ)
    assert notice_deadline(at(23, 30)) == datetime(2026, 11, 21, 8, 0, tzinfo=VIETNAM_TZ)
    assert notice_deadline(at(16).astimezone(UTC)) == datetime(2026, 11, 20, 23, 0, tzinfo=VIETNAM_TZ)


def test_accommodation_notices(api, people, session):
    now_vn = utcnow().astimezone(VIETNAM_TZ)
    guests = [
        {
            "personal_id": people["stranger"].personal_id,
            "full_name": "Lê Văn Đức",
            "arrival_at": (now_vn - timedelta(days=2)).isoformat(),
            "departure_on": now_vn.date().isoformat(),
        },
        {
            "personal_id": "079301004321",
            "full_name": "Lê Minh Châu",
            "arrival_at": now_vn.isoformat(),
            "departure_on": (now_vn.date() + timedelta(days=2)).isoformat(),
        },
    ]
    registered = api(
        "officer",
        "POST",
        "/api/v1/residence/accommodation-establishments",
        json={
            "name": "Khách sạn Bến Nghé",
            "licence_number": "0312345678",
            "ward_code": "26740",
            "street": "Số 9 Đường Hàm Nghi",
            "operator_personal_id": people["applicant"].personal_id,
        },
    )
    assert registered.status_code == 201, registered.json
    hotel = {"establishment_id": registered.json["id"], "reason": "Du lịch", "guests": guests}
    created = api("applicant", "POST", "/api/v1/residence/accommodation-notices", json=hotel)
    assert created.status_code == 201, created.json
    assert [n["late"] for n in created.json] == [True, False]  # arrived two days ago / just now
    home = {
        "ward_code": "00088",
        "street": "Số 5 Phố Huế",
        "reason": "Thăm gia đình",
        "guests": [
            {**guests[1], "relationship": "parent", "departure_on": (now_vn.date() + timedelta(days=90)).isoformat()}
        ],
    }
    assert api("applicant", "POST", "/api/v1/residence/accommodation-notices", json=home).status_code == 201
    not_home = {**home, "street": "Số 99 Phố Khác"}
    assert api("applicant", "POST", "/api/v1/residence/accommodation-notices", json=not_home).status_code == 422
    reversed_dates = {
        **hotel,
        "guests": [{**guests[1], "departure_on": (now_vn.date() - timedelta(days=1)).isoformat()}],
    }
    assert api("applicant", "POST", "/api/v1/residence/accommodation-notices", json=reversed_dates).status_code == 422
    too_long = {**hotel, "guests": [{**guests[1], "departure_on": (now_vn.date() + timedelta(days=90)).isoformat()}]}
    assert api("applicant", "POST", "/api/v1/residence/accommodation-notices", json=too_long).status_code == 422
    twice = {**hotel, "guests": [guests[1], guests[1]]}
    assert api("applicant", "POST", "/api/v1/residence/accommodation-notices", json=twice).status_code == 422

    seen = api("officer", "GET", "/api/v1/residence/accommodation-notices?purpose=ward+overnight+stays").json
    assert {n["guest_name"] for n in seen} == {"Lê Văn Đức", "Lê Minh Châu"}
    assert (
        session.scalar(
            sa.select(AuditEvent.purpose).where(
                AuditEvent.subject_citizen_id == people["stranger"].id, AuditEvent.record_type == "accommodation-notice"
            )
        )
        == "ward overnight stays"
    )
    other_ward = api("officer_elsewhere", "GET", "/api/v1/residence/accommodation-notices?purpose=overnight+stays")
    assert [n["ward_code"] for n in other_ward.json] == ["00088"]
    assert (
        api(
            "officer_elsewhere",
            "GET",
            "/api/v1/residence/accommodation-notices?ward_code=26740&purpose=overnight+stays",
        ).status_code
        == 403
    )


def test_bodies_with_only_defaults_may_be_left_out(api):
    issued = api("applicant", "POST", "/api/v1/residence/confirmations")
    assert issued.status_code == 201, issued.json
    assert "history" not in issued.json["content"]
    assert api("applicant", "POST", "/api/v1/residence/temporary-residence/deregistration").status_code == 409


def test_new_registration_supersedes_the_active_one(api, application_body, session, people):
    _approve(api, _own_basis(application_body))
    _approve(api, {**_own_basis(application_body), "street": "Số 3 Đường Nguyễn Huệ"})
    residences = session.scalars(
        sa.select(TemporaryResidence)
        .where(TemporaryResidence.citizen_id == people["applicant"].id)
        .order_by(TemporaryResidence.id)
    ).all()
    assert [(r.status, r.ended_reason) for r in residences] == [("ended", "superseded"), ("active", None)]
    assert people["applicant"].temporary_street == "Số 3 Đường Nguyễn Huệ"
    history = api(
        "officer",
        "GET",
        f"/api/v1/residence/applications/{residences[1].application_id}"
        "/applicant-residence?purpose=check+residence+history",
    ).json
    assert [r["status"] for r in history["temporary_residences"]] == ["active", "ended"]


def test_since_1_7_2025_a_ward_officer_works_the_whole_successor_ward(api, application_body, factory, client):
    """Bến Nghé (26740) and Đa Kao (26737) are both Phường Sài Gòn now: the Đa Kao officer's queue and
    look-ups cover an application at a Bến Nghé address (registry/units.py)."""
    from tests.backend.helpers import bearer, login

    app_id = _submit(api, _own_basis(application_body))
    da_kao = bearer(login(client, factory.staff("officer", "26737").username)["access_token"])
    assert [item["id"] for item in client.get("/api/v1/residence/work-queue", headers=da_kao).json] == [app_id]
    assert client.get(f"/api/v1/residence/applications/{app_id}", headers=da_kao).status_code == 200
