"""Login, token rotation with reuse detection, logout and revocation that survives restarts."""

from __future__ import annotations

import sqlalchemy as sa

from backend.auth.models import Account
from backend.extensions import db
from tests.backend.helpers import PASSWORD, Factory, bearer, login


def _refresh(client, token):
    return client.post("/api/v1/auth/refresh", headers=bearer(token))


def test_login_returns_a_token_pair(client, factory):
    citizen = factory.citizen()
    factory.account(citizen)
    tokens = login(client, citizen.personal_id)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 15 * 60
    me = client.get("/api/v1/accounts/me", headers=bearer(tokens["access_token"])).json
    assert me["role"] == "citizen" and me["level"] == 1 and "password_hash" not in me


def test_wrong_password_and_unknown_account_look_the_same(client, factory):
    citizen = factory.citizen()
    factory.account(citizen)
    wrong = client.post("/api/v1/auth/login", json={"username": citizen.personal_id, "password": "nope"})
    unknown = client.post("/api/v1/auth/login", json={"username": "001099999999", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["detail"] == unknown.json["detail"]
    assert wrong.json["code"] == unknown.json["code"]


def test_disabled_account_cannot_log_in(client, factory, session):
    citizen = factory.citizen()
    account = factory.account(citizen)
    account.status = "disabled"
    session.flush()
    response = client.post("/api/v1/auth/login", json={"username": account.username, "password": PASSWORD})
    assert response.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(client, app, factory, monkeypatch):
    monkeypatch.setitem(app.config, "REFRESH_REUSE_GRACE_S", 0)  # the replay comes after the race grace
    citizen = factory.citizen()
    factory.account(citizen)
    first = login(client, citizen.personal_id)
    second = _refresh(client, first["refresh_token"])
    assert second.status_code == 200
    assert second.json["refresh_token"] != first["refresh_token"]
    # The spent token comes back: someone copied it. The whole session dies.
    replay = _refresh(client, first["refresh_token"])
    assert replay.status_code == 401
    assert _refresh(client, second.json["refresh_token"]).status_code == 401
    assert client.get("/api/v1/citizens/me", headers=bearer(second.json["access_token"])).status_code == 401
    # A separate login (another device) is a different family and keeps working.
    other = login(client, citizen.personal_id)
    assert client.get("/api/v1/citizens/me", headers=bearer(other["access_token"])).status_code == 200


def test_access_token_is_not_a_refresh_token_and_vice_versa(client, factory):
    citizen = factory.citizen()
    factory.account(citizen)
    tokens = login(client, citizen.personal_id)
    assert _refresh(client, tokens["access_token"]).status_code == 401
    response = client.get("/api/v1/citizens/me", headers=bearer(tokens["refresh_token"]))
    assert response.status_code in (401, 403)
    assert response.content_type == "application/problem+json"


def test_logout_revokes_access_and_refresh(client, factory):
    citizen = factory.citizen()
    factory.account(citizen)
    tokens = login(client, citizen.personal_id)
    assert client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204
    assert client.get("/api/v1/citizens/me", headers=bearer(tokens["access_token"])).json["code"] == "token-revoked"
    assert _refresh(client, tokens["refresh_token"]).status_code == 401


def test_bad_tokens_are_refused(client):
    for header in ("Bearer nonsense", "Bearer a.b.c", "Basic Zm9vOmJhcg=="):
        response = client.get("/api/v1/citizens/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.content_type == "application/problem+json"
    assert client.get("/api/v1/citizens/me").json["code"] == "unauthenticated"


def _seed_account(application) -> str:
    with application.app_context():
        session = db.session
        citizen = Factory(session).citizen()
        Factory(session).account(citizen)
        session.commit()
        return citizen.personal_id


def test_revocation_survives_a_restart_and_holds_across_processes(make_app):
    """Two app instances on one database stand for two server processes, or one before and after a restart."""
    first = make_app()
    url = first.config["DATABASE_URL"]
    username = _seed_account(first)
    tokens = login(first.test_client(), username)
    second = make_app(url)  # "another worker"
    assert second.test_client().get("/api/v1/citizens/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert first.test_client().post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204
    third = make_app(url)  # "after a restart"
    for application in (second, third):
        response = application.test_client().get("/api/v1/citizens/me", headers=bearer(tokens["access_token"]))
        assert response.status_code == 401
        assert _refresh(application.test_client(), tokens["refresh_token"]).status_code == 401


def test_simultaneous_refreshes_within_the_grace_keep_the_session(make_app):
    """Two tabs refreshing with one token at once: every one gets a working pair of the same session, not a
    logout. Reuse after the grace still ends the session."""
    import threading

    application = make_app()
    username = _seed_account(application)
    tokens = login(application.test_client(), username)
    results = []
    barrier = threading.Barrier(4)

    def attempt():
        barrier.wait()
        results.append(_refresh(application.test_client(), tokens["refresh_token"]))

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200] * 4
    client = application.test_client()
    for response in results:
        assert client.get("/api/v1/citizens/me", headers=bearer(response.json["access_token"])).status_code == 200
    assert _refresh(client, results[0].json["refresh_token"]).status_code == 200
    application.config["REFRESH_REUSE_GRACE_S"] = 0  # "later": the same spent token again is a theft
    assert _refresh(client, tokens["refresh_token"]).status_code == 401
    assert client.get("/api/v1/citizens/me", headers=bearer(results[1].json["access_token"])).status_code == 401


def test_level_1_account_gets_a_reason_for_level_2_services(make_app):
    """A service that declares level 2 refuses a level-1 citizen with a reason a person understands."""
    from backend.core.access import CITIZEN, access

    application = make_app()

    @application.get("/level-2-service")
    @access(CITIZEN, level=2)
    def level_2_service():
        return {"ok": True}

    with application.app_context():
        session = db.session
        low, high = Factory(session).citizen(), Factory(session).citizen(full_name="Lê Văn Bình")
        Factory(session).account(low, level=1)
        Factory(session).account(high, level=2)
        session.commit()
        usernames = (low.personal_id, high.personal_id)
    client = application.test_client()
    refused = client.get("/level-2-service", headers=bearer(login(client, usernames[0])["access_token"]))
    assert refused.status_code == 403
    assert refused.json["code"] == "account-level-required" and refused.json["required_level"] == 2
    assert "level-2 identity account" in refused.json["detail"] and "chip ID card" in refused.json["detail"]
    allowed = client.get("/level-2-service", headers=bearer(login(client, usernames[1])["access_token"]))
    assert allowed.status_code == 200


def test_password_is_stored_as_argon2(session, factory):
    citizen = factory.citizen()
    account = factory.account(citizen)
    stored = session.scalar(sa.select(Account.password_hash).where(Account.id == account.id))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
