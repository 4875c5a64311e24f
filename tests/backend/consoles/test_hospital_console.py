"""The hospital staff console through its pages: queues (call next once per click, recall, skip), today's
check-ins with their trust level, calls for help acknowledged and resolved with a note, and the public
waiting-room screen (signed link, numbers only). Staff of one hospital never see another's."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.health.models import QueueTicket
from tests.backend.consoles.web import csrf, post_form, sign_in
from tests.backend.health.hospital_data import add_hospital, add_kiosk, proof
from tests.backend.helpers import bearer, login


@pytest.fixture(autouse=True)
def _http_cookies(app, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_COOKIE_SECURE", False)  # the test client speaks http


@pytest.fixture()
def hospital(session):
    return add_hospital(session)


@pytest.fixture()
def kiosk_headers(client, session, factory, hospital):
    return bearer(login(client, add_kiosk(session, factory, hospital).username)["access_token"])


def _patients(client, factory, kiosk_headers, names, *, method="chip", department="NOI"):
    numbers = []
    for name in names:
        patient = factory.citizen(full_name=name)
        checkin = client.post(
            "/api/v1/health/checkins", json={"identification": proof(patient, method)}, headers=kiosk_headers
        )
        assert checkin.status_code == 201, checkin.json
        ticket = client.post(
            f"/api/v1/health/checkins/{checkin.json['id']}/tickets",
            json={"department_code": department},
            headers={**kiosk_headers, "Idempotency-Key": f"ticket-{patient.id:06d}-{department}"},
        )
        assert ticket.status_code == 201, ticket.json
        numbers.append(ticket.json["number"])
    return numbers


def _statuses(session):
    return dict(session.execute(sa.select(QueueTicket.number, QueueTicket.status)).all())


def test_call_next_recall_and_skip_from_the_queue_page(app, client, session, factory, hospital, kiosk_headers):
    _patients(client, factory, kiosk_headers, ["Nguyễn Văn An", "Lê Văn Bình"])
    web = sign_in(app, factory.staff("hospital_staff", hospital.code))
    page = "/console/hospital/queues/NOI"
    html = web.get(page).get_data(as_text=True)
    assert "Gọi số tiếp theo" in html and "N. V. An" in html
    assert "Nguyễn Văn An" not in html  # names are masked on the staff screen

    response, hidden = post_form(web, page, page + "/call")
    assert response.status_code == 302 and "msg=called:1" in response.headers["Location"]
    # The same form sent twice (a double click, a browser retry) calls once: number 2 still waits.
    again = web.post(page + "/call", data=hidden)
    assert again.status_code == 302 and "msg=called:1" in again.headers["Location"]
    assert _statuses(session) == {1: "called", 2: "waiting"}

    ticket_1 = session.scalar(sa.select(QueueTicket).where(QueueTicket.number == 1))
    skip_url = f"{page}/tickets/{ticket_1.public_id}/skip"
    assert post_form(web, page, skip_url)[0].status_code == 302
    assert _statuses(session) == {1: "skipped", 2: "waiting"}
    recall_url = f"{page}/tickets/{ticket_1.public_id}/recall"
    assert post_form(web, page, recall_url)[0].status_code == 302
    session.refresh(ticket_1)
    assert (ticket_1.status, ticket_1.recalls) == ("called", 1)
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.record_ref == ticket_1.public_id)
        )
        >= 3
    )  # call, skip, recall: each change to a patient's ticket is audited
    done_url = f"{page}/tickets/{ticket_1.public_id}/done"
    response = post_form(web, page, done_url)[0]
    assert response.status_code == 302 and "msg=done:1" in response.headers["Location"]
    assert "Số 1 đã xong." in web.get(response.headers["Location"]).get_data(as_text=True)
    assert _statuses(session) == {1: "done", 2: "waiting"}
    # Done is final: no form offers more, and a stale page's post is refused (the number changed meanwhile).
    html = web.get(page).get_data(as_text=True)
    assert f"/tickets/{ticket_1.public_id}/" not in html
    for n, url in enumerate((skip_url, recall_url, done_url)):
        stale = web.post(url, data={"csrf_token": csrf(html), "idempotency_key": f"{n}" * 32})
        assert stale.status_code == 302 and "msg=refused" in stale.headers["Location"]
    assert _statuses(session) == {1: "done", 2: "waiting"}


def test_a_patient_whose_ticket_is_done_can_queue_again(app, client, session, factory, hospital, kiosk_headers):
    from tests.backend.health.hospital_data import proof
    from tests.backend.health.test_checkin import checkin, ticket

    patient = factory.citizen()
    first = ticket(client, kiosk_headers, checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"])
    assert first.status_code == 201
    again = checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"]
    same = ticket(client, kiosk_headers, again, key="queue-again-1")
    assert (same.status_code, same.json["id"]) == (200, first.json["id"])  # one open ticket per patient and queue
    web = sign_in(app, factory.staff("hospital_staff", hospital.code))
    page = "/console/hospital/queues/NOI"
    post_form(web, page, page + "/call")
    post_form(web, page, f"{page}/tickets/{first.json['id']}/done")
    later = ticket(client, kiosk_headers, again, key="queue-again-2")
    assert later.status_code == 201 and later.json["id"] != first.json["id"]
    assert later.json["number"] == first.json["number"] + 1


def test_call_next_on_an_empty_queue_says_so(app, factory, hospital):
    web = sign_in(app, factory.staff("hospital_staff", hospital.code))
    page = "/console/hospital/queues/NOI"
    html = web.get(page).get_data(as_text=True)
    response = web.post(page + "/call", data={"csrf_token": csrf(html), "idempotency_key": "a" * 32})
    assert response.status_code == 302 and "msg=refused:empty" in response.headers["Location"]
    assert "Không còn ai đang chờ" in web.get(response.headers["Location"]).get_data(as_text=True)


def test_posts_without_the_session_csrf_token_are_refused(app, client, factory, hospital, kiosk_headers):
    _patients(client, factory, kiosk_headers, ["Nguyễn Văn An"])
    web = sign_in(app, factory.staff("hospital_staff", hospital.code))
    assert web.post("/console/hospital/queues/NOI/call", data={"idempotency_key": "b" * 32}).status_code == 400


def test_todays_checkins_show_the_trust_level_in_plain_words(app, client, factory, hospital, kiosk_headers):
    _patients(client, factory, kiosk_headers, ["Nguyễn Văn An"], method="chip")
    _patients(client, factory, kiosk_headers, ["Trần Thị Cúc"], method="cccd_qr", department="MAT")
    web = sign_in(app, factory.staff("hospital_staff", hospital.code))
    html = web.get("/console/hospital/checkins").get_data(as_text=True)
    assert "Mã QR in trên thẻ: chỉ là dữ liệu, chưa xác minh" in html
    assert re.search(r"Thẻ CCCD gắn chip|Dữ liệu chip đúng", html)
    assert "Trần Thị Cúc" not in html


def test_help_calls_are_acknowledged_then_resolved_with_a_note(app, client, factory, hospital, kiosk_headers):
    call = client.post(
        "/api/v1/health/help-requests",
        headers=kiosk_headers,
        json={"screen": "insurance", "reason": "patient_asked", "language": "vi"},
    ).json
    web = sign_in(app, factory.staff("hospital_staff", hospital.code))
    page = "/console/hospital/help"
    assert "tại: bảo hiểm y tế" in web.get(page).get_data(as_text=True)
    assert post_form(web, page, f"{page}/{call['id']}/acknowledge")[0].status_code == 302
    refused, _ = post_form(web, page, f"{page}/{call['id']}/resolve", note="   ")
    assert "msg=note" in refused.headers["Location"]
    resolved, _ = post_form(web, page, f"{page}/{call['id']}/resolve", note="Đã hướng dẫn người bệnh quét lại thẻ")
    assert "msg=resolved" in resolved.headers["Location"]
    html = web.get(page).get_data(as_text=True)
    assert "Đã hướng dẫn người bệnh quét lại thẻ" in html


def test_staff_of_another_hospital_see_nothing_of_this_one(app, client, session, factory, hospital, kiosk_headers):
    _patients(client, factory, kiosk_headers, ["Nguyễn Văn An"])
    call = client.post("/api/v1/health/help-requests", headers=kiosk_headers, json={"screen": "welcome"}).json
    add_hospital(session, code="BV-KHAC", facility_code="79001")
    other = sign_in(app, factory.staff("hospital_staff", "BV-KHAC"))
    # The same department code at the other hospital is the other hospital's (empty) queue.
    assert "N. V. An" not in other.get("/console/hospital/queues/NOI").get_data(as_text=True)
    assert "Chưa có lượt tiếp đón" in other.get("/console/hospital/checkins").get_data(as_text=True)
    html = other.get("/console/hospital/help").get_data(as_text=True)
    assert call["id"] not in html
    response = other.post(f"/console/hospital/help/{call['id']}/acknowledge", data={"csrf_token": csrf(html)})
    assert response.status_code == 404
    ticket = session.scalar(sa.select(QueueTicket))
    response = other.post(
        f"/console/hospital/queues/NOI/tickets/{ticket.public_id}/skip",
        data={"csrf_token": csrf(html), "idempotency_key": "c" * 32},
    )
    assert response.status_code == 302 and "refused" in response.headers["Location"]
    assert _statuses(session) == {1: "waiting"}


def test_waiting_room_screen_shows_numbers_only_through_its_signed_link(app, client, factory, hospital, kiosk_headers):
    _patients(client, factory, kiosk_headers, ["Nguyễn Văn An", "Lê Văn Bình"])
    web = sign_in(app, factory.staff("hospital_staff", hospital.code))
    overview = web.get("/console/hospital/").get_data(as_text=True)
    link = re.search(r'class="display-link" href="http://localhost(/waiting-room/[^"]+)"', overview).group(1)
    post_form(web, "/console/hospital/queues/NOI", "/console/hospital/queues/NOI/call")
    screen = app.test_client()  # no login
    html = screen.get(link).get_data(as_text=True)
    assert 'data-call="NOI-1-0"' in html and "Mời số 1" in html
    assert "Nguyễn" not in html and "Bình" not in html
    assert screen.get(link + "/board").status_code == 200
    assert screen.get(link[:-3] + "xyz").status_code == 404
    assert screen.get("/waiting-room/BV-TEST").status_code == 404


@pytest.mark.parametrize("role", ["officer", "fleet_admin", "admin"])
def test_other_staff_roles_do_not_get_in(app, factory, role):
    web = sign_in(app, factory.staff(role, "01"))
    for url in ("/console/hospital/", "/console/hospital/queues/NOI"):
        response = web.get(url)
        assert response.status_code == 403  # signed in, so not sent to the login: told the page is not theirs
        page = response.get_data(as_text=True)
        assert "Trang này không dành cho tài khoản của bạn" in page and "Phòng khám Nội" not in page


def test_anonymous_visitors_are_sent_to_the_login(client):
    for url in ("/console/hospital/", "/console/hospital/checkins", "/console/hospital/help"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/login")
