"""Hostile JSON (issue 12): deep nesting, 4,300-digit integers, NaN/Infinity and oversized heartbeat values
once answered 500 on public routes. Each is now a 4xx problem, and ordinary bodies still work.
(Oversized heartbeat values: tests/backend/fleet/test_hostile_heartbeat.py.)"""

from __future__ import annotations

import json

import pytest

from backend import json_guard
from tests.backend.helpers import login

PUBLIC_JSON_ROUTES = [
    "/api/v1/auth/login",
    "/api/v1/auth/register",
    "/api/v1/auth/refresh",
    "/api/v1/fleet/enroll",
    "/api/v1/fleet/device/challenge",
    "/api/v1/documents/verify",
    "/api/v1/fleet/device/heartbeat",
]

HOSTILE = {
    "deep-array": ("[" * 100_000 + "]" * 100_000, "json-too-deep"),
    "deep-object": ('{"a":' * 50_000 + "1" + "}" * 50_000, "json-too-deep"),
    "just-over-the-cap": ("[" * 33 + "]" * 33, "json-too-deep"),
    "long-integer": ('{"username": ' + "9" * 4_301 + "}", "number-out-of-range"),
    "int64-overflow": ('{"username": "a", "password": 9223372036854775808}', "number-out-of-range"),
    "nan": ('{"username": NaN}', "invalid-json"),
    "infinity": ('{"username": -Infinity}', "invalid-json"),
}


@pytest.mark.parametrize("path", PUBLIC_JSON_ROUTES)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_json_is_a_400_problem_on_public_routes(client, path, case):
    body, code = HOSTILE[case]
    response = client.post(path, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, (path, case, response.status_code)
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == code
    assert " / " in response.json["detail"]  # Vietnamese, then English


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert json_guard.nesting_depth(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"{{{{"}') == 1
    json_guard.check(json.dumps({"note": "[" * 1_000, "nested": [[[1]]]}).encode())
    assert json_guard.nesting_depth(b"[" * 32 + b"]" * 32) == 32


def test_ordinary_bodies_still_pass(client, factory):
    account = factory.account(factory.citizen(), level=2)
    assert login(client, account.username)["access_token"]


def test_malformed_json_keeps_its_ordinary_400(client):
    response = client.post("/api/v1/auth/login", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["code"] == "bad-request"
