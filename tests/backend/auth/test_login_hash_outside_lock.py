"""On SQLite a login hashes its password before its transaction takes the database's write lock
(backend/auth/service.py: `check_password_ahead`): other writers are not held off for the hash, the hash runs once
per login, a key under back-off is answered 429 without any hash, and a password changed between the hash and the
transaction is checked again against the new one."""

from __future__ import annotations

import sqlite3

import pytest

from backend.auth import passwords
from backend.extensions import db
from tests.backend.helpers import PASSWORD, holder_and_officer

LOGIN = "/api/v1/auth/login"


@pytest.fixture()
def sqlite_app(make_app):
    app = make_app(LOGIN_BACKOFF_FREE={"address": 100, "account": 100, "account_address": 3})
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the database-wide write lock is SQLite's")
    return app


def _other_connection(app) -> sqlite3.Connection:
    """Another process's connection; timeout=0: it never waits for the lock."""
    return sqlite3.connect(app.config["DATABASE_URL"].split("///", 1)[1], timeout=0, isolation_level=None)


@pytest.fixture()
def hashes(monkeypatch):
    """Every Argon2id verification the app runs, with whether another writer could take the write lock meanwhile."""
    seen: list[dict] = []
    real = passwords.verify_password

    def watched(stored, password):
        entry = {"stored": stored, "others_could_write": None}
        if watched.app is not None:
            other = _other_connection(watched.app)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                entry["others_could_write"] = True
            except sqlite3.OperationalError:
                entry["others_could_write"] = False
            finally:
                other.close()
        seen.append(entry)
        if watched.after is not None:
            watched.after()
        return real(stored, password)

    watched.app = None
    watched.after = None
    monkeypatch.setattr(passwords, "verify_password", watched)
    return watched, seen


def test_a_login_hashes_once_with_no_lock_held(sqlite_app, hashes):
    watched, seen = hashes
    holder, _officer, _pid, _cid = holder_and_officer(sqlite_app)
    watched.app = sqlite_app
    client = sqlite_app.test_client()
    assert client.post(LOGIN, json={"username": holder, "password": PASSWORD}).status_code == 200
    assert [entry["others_could_write"] for entry in seen] == [True]
    seen.clear()
    assert client.post(LOGIN, json={"username": holder, "password": "not the password"}).status_code == 401
    assert [entry["others_could_write"] for entry in seen] == [True]
    seen.clear()
    assert client.post(LOGIN, json={"username": "079999999999", "password": PASSWORD}).status_code == 401
    assert [entry["others_could_write"] for entry in seen] == [True]  # the dummy hash: an unknown ID costs the same


def test_a_key_under_back_off_is_answered_429_without_a_hash(sqlite_app, hashes):
    _watched, seen = hashes
    holder, _officer, _pid, _cid = holder_and_officer(sqlite_app)
    client = sqlite_app.test_client()
    statuses = [client.post(LOGIN, json={"username": holder, "password": f"wrong {n}"}).status_code for n in range(4)]
    assert statuses[:3] == [401, 401, 401] and statuses[3] == 429
    assert len(seen) == 3
    seen.clear()
    assert client.post(LOGIN, json={"username": holder, "password": PASSWORD}).status_code == 429
    assert seen == []


def test_a_password_changed_after_the_hash_is_checked_again_in_the_transaction(sqlite_app, hashes):
    watched, seen = hashes
    holder, _officer, _pid, _cid = holder_and_officer(sqlite_app)
    with sqlite_app.app_context():
        new_hash = passwords.hash_password("a new password 2026")

    def changed_meanwhile():
        watched.after = None
        other = _other_connection(sqlite_app)
        other.execute("UPDATE accounts SET password_hash = ? WHERE username = ?", (new_hash, holder))
        other.close()

    watched.after = changed_meanwhile
    response = sqlite_app.test_client().post(LOGIN, json={"username": holder, "password": PASSWORD})
    assert response.status_code == 401  # the old password no longer opens the account
    assert [entry["stored"] == new_hash for entry in seen] == [False, True]  # hashed again, against the new hash


def test_postgresql_and_bound_test_sessions_hash_inside_the_transaction(app, client, factory, session, hashes):
    """No reader (the suite's rolled-back sessions) or PostgreSQL: one hash, in the transaction, as before."""
    _watched, seen = hashes
    citizen = factory.citizen()
    account = factory.account(citizen, level=2)
    session.commit()
    assert client.post(LOGIN, json={"username": account.username, "password": PASSWORD}).status_code == 200
    assert len(seen) == 1
    with app.app_context():
        assert db.reader_session() is None
