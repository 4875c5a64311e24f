"""The officer console's residence path through its pages: the queue with working-day deadlines, the
application page with registry facts (each read in the citizen's access log), and the decision forms —
validated with the API's schema, POST-redirect-GET, never decided twice."""

from __future__ import annotations

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.residence.models import ResidenceApplication
from tests.backend.consoles.conftest import csrf_of


def test_queue_lists_the_application_with_its_deadline_in_working_days(sign_in, factory, under_review):
    application_id = under_review("26740", name="Phạm Thị Lan")
    web = sign_in(factory.staff("officer", "26740"))
    page = web.get("/console/officer/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Phạm Thị Lan" in html and f"/console/officer/residence/{application_id}" in html
    assert "ngày làm việc" in html and "working days" in html


def test_application_page_shows_registry_facts_and_audits_the_read(sign_in, factory, under_review, session):
    application_id = under_review("26740", name="Phạm Thị Lan")
    applicant_id = session.get(ResidenceApplication, application_id).applicant_citizen_id
    web = sign_in(factory.staff("officer", "26740"))
    html = web.get(f"/console/officer/residence/{application_id}").get_data(as_text=True)
    assert "Phạm Thị Lan" in html and "Cơ sở dữ liệu quốc gia về dân cư" in html
    assert "Lịch sử xử lý" in html and 'name="decision"' in html
    reads = session.scalars(
        sa.select(AuditEvent.record_type).where(
            AuditEvent.subject_citizen_id == applicant_id, AuditEvent.actor_role == "officer"
        )
    ).all()
    assert {"residence-application", "residence"} <= set(reads)


def test_refusal_without_reason_is_a_bilingual_form_error(sign_in, factory, under_review, session):
    application_id = under_review("26740")
    web = sign_in(factory.staff("officer", "26740"))
    path = f"/console/officer/residence/{application_id}"
    csrf = csrf_of(web.get(path).get_data(as_text=True))
    response = web.post(path + "/decision", data={"csrf_token": csrf, "decision": "reject", "reason": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Hãy ghi lý do" in html and "Give the reason" in html and 'role="alert"' in html
    assert session.get(ResidenceApplication, application_id).status == "under_review"


def test_unknown_decision_is_refused_not_recorded(sign_in, factory, under_review, session):
    application_id = under_review("26740")
    web = sign_in(factory.staff("officer", "26740"))
    path = f"/console/officer/residence/{application_id}"
    csrf = csrf_of(web.get(path).get_data(as_text=True))
    response = web.post(path + "/decision", data={"csrf_token": csrf, "decision": "approve-all"})
    assert response.status_code == 422 and "Hãy chọn một quyết định" in response.get_data(as_text=True)
    assert session.get(ResidenceApplication, application_id).status == "under_review"


def test_approval_redirects_and_a_second_click_decides_nothing(sign_in, factory, under_review, session):
    application_id = under_review("26740")
    web = sign_in(factory.staff("officer", "26740"))
    path = f"/console/officer/residence/{application_id}"
    csrf = csrf_of(web.get(path).get_data(as_text=True))
    first = web.post(path + "/decision", data={"csrf_token": csrf, "decision": "approve"})
    assert first.status_code == 302 and first.headers["Location"].endswith(f"{path}?decided=approve")
    assert "Đã ghi quyết định" in web.get(first.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(ResidenceApplication, application_id).status == "approved"
    again = web.post(path + "/decision", data={"csrf_token": csrf, "decision": "reject", "reason": "Bấm nhầm lần hai"})
    assert again.status_code == 302 and again.headers["Location"].endswith("decided=already")
    session.expire_all()
    assert session.get(ResidenceApplication, application_id).status == "approved"


def test_request_for_information_reaches_the_applicant_with_its_reason(sign_in, factory, under_review, session):
    application_id = under_review("26740")
    web = sign_in(factory.staff("officer", "26740"))
    path = f"/console/officer/residence/{application_id}"
    csrf = csrf_of(web.get(path).get_data(as_text=True))
    reason = "Thiếu hợp đồng thuê nhà có công chứng"
    response = web.post(
        path + "/decision", data={"csrf_token": csrf, "decision": "request_information", "reason": reason}
    )
    assert response.status_code == 302
    session.expire_all()
    application = session.get(ResidenceApplication, application_id)
    assert (application.status, application.status_reason) == ("needs_information", reason)


def test_a_decision_without_the_session_csrf_token_is_refused(sign_in, factory, under_review, session):
    application_id = under_review("26740")
    web = sign_in(factory.staff("officer", "26740"))
    response = web.post(f"/console/officer/residence/{application_id}/decision", data={"decision": "approve"})
    assert response.status_code == 400
    assert session.get(ResidenceApplication, application_id).status == "under_review"


def test_queue_lists_criminal_record_requests_and_their_subjects_see_the_read(sign_in, factory, session):
    from datetime import timedelta

    from backend.core import clock
    from backend.judicial.models import CertificateRequest

    citizen = factory.citizen(full_name="Đỗ Văn Hùng", ward_code="26740", province_code="79", birth_province="079")
    now = clock.now()
    session.add(
        CertificateRequest(
            number="LLTP-QUEUE-0001",
            requester_account_id=factory.account(citizen, level=2).id,
            subject_citizen_id=citizen.id,
            certificate_type=2,
            purpose="Xin việc",
            copies=1,
            delivery="electronic",
            fee_category="standard",
            fee_amount=200_000,
            status="queued",
            requested_at=now,
            paid_at=now,
            due_on=clock.today() + timedelta(days=10),
        )
    )
    session.flush()
    web = sign_in(factory.staff("officer", "26740"))
    html = web.get("/console/officer/").get_data(as_text=True)
    assert "LLTP-QUEUE-0001" in html and "Đỗ Văn Hùng" in html and "Phiếu lý lịch tư pháp số 2" in html
    reads = session.scalars(sa.select(AuditEvent.record_type).where(AuditEvent.subject_citizen_id == citizen.id)).all()
    assert "certificate-work-queue" in reads
