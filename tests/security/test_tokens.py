"""Hostile tokens: alg none, wrong key, expired, revoked, refresh-as-access, role smuggling."""

from __future__ import annotations

import base64
import json
import time

import jwt as pyjwt
import pytest

from tests.backend.helpers import bearer, login


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture()
def citizen_tokens(client, factory):
    citizen = factory.citizen()
    factory.account(citizen, level=2)
    return login(client, citizen.personal_id)


def _claims(token: str) -> dict:
    return pyjwt.decode(token, options={"verify_signature": False})


def _refused(client, token: str) -> None:
    response = client.get("/api/v1/citizens/me", headers=bearer(token))
    assert response.status_code == 401, response.json
    assert response.content_type == "application/problem+json"


def test_alg_none_is_refused(client, citizen_tokens):
    claims = _claims(citizen_tokens["access_token"])
    _refused(client, f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.")


def test_wrong_key_is_refused(client, citizen_tokens):
    claims = _claims(citizen_tokens["access_token"])
    _refused(client, pyjwt.encode(claims, "not-the-server-key-" + "z" * 32, algorithm="HS256"))


def test_expired_is_refused(client, app, citizen_tokens):
    claims = _claims(citizen_tokens["access_token"]) | {"exp": int(time.time()) - 3600}
    token = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")
    response = client.get("/api/v1/citizens/me", headers=bearer(token))
    assert response.status_code == 401 and response.json["code"] == "token-expired"


def test_role_or_level_edited_in_the_payload_breaks_the_signature(client, citizen_tokens):
    header, payload, signature = citizen_tokens["access_token"].split(".")
    claims = _claims(citizen_tokens["access_token"]) | {"role": "officer", "scope": "01"}
    _refused(client, f"{header}.{_b64(claims)}.{signature}")


def test_forged_family_id_is_refused_even_with_the_right_key(client, app, citizen_tokens):
    claims = _claims(citizen_tokens["access_token"]) | {"fam": "0" * 32}
    _refused(client, pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256"))


def test_refresh_token_is_not_an_access_token(client, citizen_tokens):
    response = client.get("/api/v1/citizens/me", headers=bearer(citizen_tokens["refresh_token"]))
    assert response.status_code in (401, 403)


def test_revoked_is_refused(client, citizen_tokens):
    client.post("/api/v1/auth/logout", headers=bearer(citizen_tokens["access_token"]))
    _refused(client, citizen_tokens["access_token"])


def test_kiosk_token_cannot_use_citizen_routes(client, factory):
    kiosk = factory.staff("kiosk", "KIOSK-9")
    tokens = login(client, kiosk.username)
    for path in ("/api/v1/citizens/me", "/api/v1/me/access-log", "/api/v1/citizens?name=nguyen&purpose=xxxxxx"):
        assert client.get(path, headers=bearer(tokens["access_token"])).status_code == 403, path


@pytest.mark.parametrize(
    "payload",
    [
        "' OR '1'='1",
        "%' --",
        '"; DROP TABLE citizens; --',
        "\x00",
        "abc\x00def",
        "ñ" * 100,
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "${jndi:ldap://x}",
    ],
)
def test_injection_strings_in_search_parameters(client, factory, auth_headers, payload):
    factory.citizen()
    headers = auth_headers(factory.staff("officer", "01"))
    response = client.get(
        "/api/v1/citizens", query_string={"name": payload, "purpose": "security test"}, headers=headers
    )
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json == []
    login_response = client.post("/api/v1/auth/login", json={"username": payload, "password": payload})
    assert login_response.status_code in (401, 422)
