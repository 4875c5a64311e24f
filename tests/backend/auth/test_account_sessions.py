"""Tokens are bound to the account they name, as it is now; accounts can be disabled (ending every session at
once, audited); holders see and end their own sessions."""

from __future__ import annotations

from flask_jwt_extended import create_access_token

from backend.auth.models import Account
from tests.backend.helpers import bearer, login

ME = "/api/v1/accounts/me"


def _status(client, headers, username, status="disabled", reason="Nghi bị chiếm đoạt tài khoản"):
    return client.put(f"/api/v1/accounts/{username}/status", json={"status": status, "reason": reason}, headers=headers)


def test_a_token_carrying_another_accounts_session_is_refused(app, client, factory):
    a, b = factory.account(factory.citizen()), factory.account(factory.citizen(full_name="Trần Thị Bích"))
    b_tokens = login(client, b.username)
    family_of_b = client.get(f"{ME}/sessions", headers=bearer(b_tokens["access_token"])).json[0]["id"]
    with app.app_context():
        # Minted by the server for A (as a leaked key or a bug might), but naming B's live session.
        mixed = create_access_token(
            identity=str(a.id),
            additional_claims={"role": "citizen", "lvl": 1, "fam": family_of_b, "type": "access", "cid": a.citizen_id},
        )
    response = client.get(ME, headers=bearer(mixed))
    assert response.status_code == 401 and response.content_type == "application/problem+json"
    assert client.get(ME, headers=bearer(b_tokens["access_token"])).status_code == 200


def test_demoting_or_rescoping_refuses_existing_tokens_at_once(client, factory, session):
    officer = factory.staff("officer", "01")
    tokens = login(client, officer.username)
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 200
    officer.scope_code = "79"  # moved to another province
    session.flush()
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401
    fresh = login(client, officer.username)
    officer.role = "agency"  # demoted
    session.flush()
    assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 401


def test_raising_the_level_refuses_the_old_claims_and_refresh_gives_the_new(client, factory, auth_headers):
    citizen = factory.citizen()
    account = factory.account(citizen)
    tokens = login(client, account.username)
    officer = auth_headers(factory.staff("officer", "01"))
    raised = client.put(
        f"/api/v1/accounts/{citizen.personal_id}/level",
        headers=officer,
        json={"level": 2, "evidence": "card_and_face_in_person"},
    )
    assert raised.status_code == 200
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401
    renewed = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    if renewed.status_code == 200:  # (a level raise may also reset the credentials: then log in again)
        assert client.get(ME, headers=bearer(renewed.json["access_token"])).json["level"] == 2


def test_an_officer_disables_a_citizen_account_effective_at_once_and_audited(client, factory, auth_headers):
    citizen = factory.citizen()
    account = factory.account(citizen)
    phone, laptop = login(client, account.username), login(client, account.username)
    officer = factory.staff("officer", "00088")
    response = _status(client, auth_headers(officer), account.username)
    assert response.status_code == 200 and response.json["status"] == "disabled"
    for tokens in (phone, laptop):
        assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401
        assert client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": account.username, "password": "correct horse battery"}
        ).status_code
        == 401
    )
    # Re-enabled by an admin: the citizen logs in again and finds both changes, with who and why.
    admin = auth_headers(factory.staff("admin"))
    assert _status(client, admin, account.username, "active", "Đã xác minh chủ tài khoản").status_code == 200
    own = bearer(login(client, account.username)["access_token"])
    log = client.get("/api/v1/me/access-log", headers=own).json["items"]
    changes = [(e["actor_role"], e["action"], e["purpose"]) for e in log if e["record_type"] == "identity-account"]
    assert ("officer", "update", "tài khoản bị khóa / account disabled: Nghi bị chiếm đoạt tài khoản") in changes
    assert ("admin", "update", "tài khoản được mở lại / account re-enabled: Đã xác minh chủ tài khoản") in changes


def test_who_may_disable_whom(client, factory, auth_headers, session):
    citizen_far = factory.account(factory.citizen(ward_code="26740", province_code="79"))
    staff = factory.staff("hospital_staff", "BV-X")
    officer = auth_headers(factory.staff("officer", "00088"))
    assert _status(client, officer, citizen_far.username).status_code == 403  # outside the jurisdiction
    assert _status(client, officer, staff.username).status_code == 403  # not a citizen's account
    assert _status(client, officer, "001099999996").status_code == 403  # unknown looks the same
    citizen = factory.account(factory.citizen())
    assert _status(client, auth_headers(citizen), staff.username).status_code == 403
    admin_account = factory.staff("admin")
    admin = auth_headers(admin_account)
    assert _status(client, admin, admin_account.username).status_code == 409  # not oneself
    assert _status(client, admin, staff.username).status_code == 200  # any account
    assert session.get(Account, staff.id).status == "disabled"
    assert _status(client, admin, staff.username, reason="x").status_code == 422  # a reason is required


def test_a_citizen_lists_and_ends_their_own_sessions(client, factory):
    account = factory.account(factory.citizen())
    phone, laptop, tablet = (login(client, account.username) for _ in range(3))
    listed = client.get(f"{ME}/sessions", headers=bearer(phone["access_token"])).json
    assert len(listed) == 3 and sum(s["current"] for s in listed) == 1
    laptop_id = client.get(f"{ME}/sessions", headers=bearer(laptop["access_token"])).json
    laptop_id = next(s["id"] for s in laptop_id if s["current"])
    assert client.delete(f"{ME}/sessions/{laptop_id}", headers=bearer(phone["access_token"])).status_code == 204
    assert client.get(ME, headers=bearer(laptop["access_token"])).status_code == 401
    ended = client.delete(f"{ME}/sessions", headers=bearer(phone["access_token"]))
    assert ended.status_code == 200 and ended.json == {"ended": 1}
    assert client.get(ME, headers=bearer(tablet["access_token"])).status_code == 401
    assert client.get(ME, headers=bearer(phone["access_token"])).status_code == 200  # this one stays


def test_nobody_ends_someone_elses_session(client, factory):
    a = factory.account(factory.citizen())
    b = factory.account(factory.citizen(full_name="Đỗ Văn Cường"))
    a_tokens, b_tokens = login(client, a.username), login(client, b.username)
    b_session = client.get(f"{ME}/sessions", headers=bearer(b_tokens["access_token"])).json[0]["id"]
    response = client.delete(f"{ME}/sessions/{b_session}", headers=bearer(a_tokens["access_token"]))
    assert response.status_code == 404
    assert client.get(ME, headers=bearer(b_tokens["access_token"])).status_code == 200


def test_an_officer_cannot_undo_an_administrators_disabling(client, factory, auth_headers):
    account = factory.account(factory.citizen())
    admin, officer = auth_headers(factory.staff("admin")), auth_headers(factory.staff("officer", "00088"))
    assert _status(client, admin, account.username, reason="Gian lận đã xác minh").status_code == 200
    assert _status(client, officer, account.username, "active", "Công dân đến trụ sở").status_code == 403
    assert _status(client, admin, account.username, "active", "Đã xử lý xong").status_code == 200
