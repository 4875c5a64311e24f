"""The API guard takes a token this process verified before from the cache (backend/core/access.py,
backend/extensions.py: `cached_bearer`): the answers are the same as through flask-jwt-extended in full - the
refusals included - and only the first request of a token goes through the library."""

from __future__ import annotations

import pytest

from backend.core import access
from tests.backend.helpers import bearer, login


@pytest.fixture()
def library_calls(monkeypatch):
    calls = []
    real = access.verify_jwt_in_request

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(access, "verify_jwt_in_request", counted)
    return calls


def _answer(response):
    return response.status_code, (response.json or {}).get("code"), response.json


def test_a_verified_token_is_taken_from_the_cache_with_the_same_answer(client, factory, library_calls):
    citizen = factory.citizen()
    factory.account(citizen)
    headers = bearer(login(client, citizen.personal_id)["access_token"])
    first = _answer(client.get("/api/v1/citizens/me", headers=headers))
    calls_after_first = len(library_calls)
    later = [_answer(client.get("/api/v1/citizens/me", headers=headers)) for _ in range(3)]
    assert first[0] == 200 and later == [first] * 3
    assert len(library_calls) == calls_after_first  # the later ones never reached the library


def test_refusals_are_the_same_from_the_cache(client, factory, session):
    citizen = factory.citizen()
    account = factory.account(citizen)
    tokens = login(client, citizen.personal_id)
    # A refresh token on an API route: the library's answer, then the cache's.
    refresh = bearer(tokens["refresh_token"])
    wrong = [_answer(client.get("/api/v1/citizens/me", headers=refresh)) for _ in range(2)]
    assert wrong[0][0] in (401, 403, 422) and wrong[0] == wrong[1]
    # A cached access token of an account then disabled, then of a logged-out session: refused as the library
    # refuses (the first refusal below comes from the cache path, the token having been verified before).
    headers = bearer(tokens["access_token"])
    assert client.get("/api/v1/citizens/me", headers=headers).status_code == 200  # cached now
    account.status = "disabled"
    session.flush()
    disabled = [_answer(client.get("/api/v1/citizens/me", headers=headers)) for _ in range(2)]
    assert disabled[0][0] == 401 and disabled[0] == disabled[1]
    account.status = "active"
    session.flush()
    assert client.get("/api/v1/citizens/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    revoked = [_answer(client.get("/api/v1/citizens/me", headers=headers)) for _ in range(2)]
    assert revoked[0][:2] == (401, "token-revoked") and revoked[0] == revoked[1]


def test_other_authorization_forms_go_through_the_library(client, factory, library_calls):
    citizen = factory.citizen()
    factory.account(citizen)
    token = login(client, citizen.personal_id)["access_token"]
    client.get("/api/v1/citizens/me", headers=bearer(token))  # verified and cached
    before = len(library_calls)
    for value in (f"bearer {token}", f"Bearer  {token}", f"Bearer {token} x", "Basic abc", ""):
        response = client.get("/api/v1/citizens/me", headers={"Authorization": value})
        assert response.status_code != 200 or value.lower().startswith("bearer")
    assert len(library_calls) == before + 5
