"""A JSON body is parsed once: the API's argument parser takes the JSON guard's parse (backend/json_guard.py,
backend/api.py). Every answer stays what it was when webargs parsed the body again itself."""

from __future__ import annotations

import json

import pytest
from webargs import core as webargs_core

from backend import json_guard

ROUTE = "/api/v1/auth/login"
JSON = {"Content-Type": "application/json"}

BODIES = {
    "malformed": b"{not json",
    "utf8-bom": b'\xef\xbb\xbf{"username": "a", "password": "b"}',
    "utf16": '{"username": "a", "password": "b"}'.encode("utf-16"),
    "lone-surrogate": b'{"username": "\xed\xa0\x80", "password": "b"}',
    "latin1": b'{"username": "\xe9", "password": "b"}',
    "nul-first": b'\x00{"username": "a"}',
    "a-string": b'"just a string"',
    "a-list": b"[]",
    "null": b"null",
    "wrong-type": b'{"username": 5, "password": "b"}',
    "unknown-field": b'{"username": "a", "password": "b", "role": "admin"}',
    "control-character": b'{"username": "a\\u0000", "password": "b"}',
    "escaped-surrogate": b'{"username": "\\ud800", "password": "b"}',
    "missing-field": b'{"username": "a"}',
    "bom-with-huge-int": b'\xef\xbb\xbf{"username": 99999999999999999999}',
    "utf16-with-nan": '{"username": NaN}'.encode("utf-16"),
}


def _answer(client, body):
    response = client.post(ROUTE, data=body, headers=JSON)
    payload = response.get_json(silent=True)
    if isinstance(payload, dict):
        payload.pop("instance", None)
        payload.pop("request_id", None)
    return response.status_code, response.content_type, payload


@pytest.mark.parametrize("case", sorted(BODIES))
def test_answers_are_those_of_a_second_parse(client, monkeypatch, case):
    body = BODIES[case]
    once = _answer(client, body)
    monkeypatch.setattr(json_guard, "remember", lambda *_args: None)  # as before: webargs parses again
    assert once == _answer(client, body)
    assert once[0] in (400, 422), once


def test_a_sound_body_is_not_parsed_a_second_time(client, monkeypatch):
    parses = []
    real = webargs_core.parse_json
    monkeypatch.setattr(webargs_core, "parse_json", lambda *a, **k: parses.append(1) or real(*a, **k))
    response = client.post(ROUTE, data=json.dumps({"username": "a", "role": "x"}), headers=JSON)
    assert response.status_code == 422 and "role" in json.dumps(response.json)
    assert parses == []
    response = client.post(ROUTE, data=b"{not json", headers=JSON)
    assert response.status_code == 400 and parses == [1]  # a malformed body: webargs' own parse answers it


def test_the_guard_keeps_the_parse_of_exactly_that_body():
    class Request:
        pass

    request, body = Request(), b'{"a": [1, 2.5, null, "x"]}'
    json_guard.remember(request, body, json_guard.check(body))
    assert json_guard.take(request, bytes(bytearray(body))) is json_guard.MALFORMED  # equal bytes, another body
    assert json_guard.take(request, body) == {"a": [1, 2.5, None, "x"]}
    assert json_guard.take(request, body) is json_guard.MALFORMED  # once
    assert json_guard.check(b"\xef\xbb\xbf{}") is json_guard.MALFORMED  # webargs refuses a BOM


@pytest.mark.parametrize("body", [b'{"n": 9223372036854775808}', b'\xef\xbb\xbf{"n": -9223372036854775808}'])
def test_an_oversized_integer_is_still_refused(client, body):
    response = client.post(ROUTE, data=body, headers=JSON)
    assert response.status_code == 400 and response.json["code"] == "number-out-of-range"
