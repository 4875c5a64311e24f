"""What the provider refuses, on the live server: the issue's negative list."""

from __future__ import annotations

from datetime import timedelta

import requests
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import ECKey, KeySet

from tests.backend.identity_provider.oidc_kit import REDIRECT_URI, Browser, callback_params, pkce, register
from tests.backend.identity_provider.test_oidc_flow import CLIENT_ID, authorize_url, discover, push

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _setup(provider, rp_key, **kwargs):
    register(provider.app, jwks={"keys": [rp_key.as_dict(private=False)]}, **kwargs)
    return discover(provider.base_url)


def _code(provider, meta, rp_key, *, challenge):
    pushed, _ = push(meta, rp_key, challenge=challenge)
    browser = Browser(provider.base_url)
    page = browser.login(browser.open(authorize_url(meta, pushed.json()["request_uri"])), provider.citizen_pid)
    return callback_params(browser.decide(page, "approve"))["code"]


def _token(meta, rp_key, **form):
    return requests.post(
        meta["token_endpoint"],
        timeout=5,
        data={
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": private_key_jwt_sign(rp_key, CLIENT_ID, meta["token_endpoint"], alg="ES256"),
            **form,
        },
    )


def test_pushed_request_refusals(provider, rp_key):
    meta = _setup(provider, rp_key)
    _, challenge = pkce()
    wrong_uri, _ = push(meta, rp_key, challenge=challenge, redirect_uri=REDIRECT_URI + "/other")
    assert wrong_uri.status_code == 400 and wrong_uri.json()["error"] == "invalid_request"
    prefix, _ = push(meta, rp_key, challenge=challenge, redirect_uri="https://bank.example/callback?x=1")
    assert prefix.status_code == 400  # exact match only
    no_pkce, _ = push(meta, rp_key)
    assert no_pkce.status_code == 400 and "code_challenge" in no_pkce.json()["error_description"]
    plain, _ = push(meta, rp_key, challenge=challenge, method="plain")
    assert plain.status_code == 400
    undeclared, _ = push(meta, rp_key, challenge=challenge, scope="openid identity household")
    assert undeclared.status_code == 400 and undeclared.json()["error"] == "invalid_scope"
    stranger = ECKey.generate_key("P-256", parameters={"kid": "rp-1"})
    forged, _ = push(meta, stranger, challenge=challenge)
    assert forged.status_code in (400, 401) and forged.json()["error"] == "invalid_client"


def test_authorization_endpoint_takes_only_pushed_requests(provider, rp_key):
    meta = _setup(provider, rp_key)
    _, challenge = pkce()
    direct = requests.get(
        meta["authorization_endpoint"],
        timeout=5,
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )
    assert direct.status_code == 400 and "request_uri" in direct.text


def test_expired_request_uri(provider, rp_key):
    meta = _setup(provider, rp_key)
    _, challenge = pkce()
    pushed, _ = push(meta, rp_key, challenge=challenge)
    provider.app.config["CLOCK"] = lambda: _later(minutes=6)
    try:
        page = requests.get(authorize_url(meta, pushed.json()["request_uri"]), timeout=5, allow_redirects=False)
    finally:
        provider.app.config.pop("CLOCK")
    assert page.status_code == 400 and "Không thể tiếp tục" in page.text


def _later(**delta):
    from backend.database import utcnow

    return utcnow() + timedelta(**delta)


def test_pkce_verifier_is_checked(provider, rp_key):
    meta = _setup(provider, rp_key)
    verifier, challenge = pkce()
    code = _code(provider, meta, rp_key, challenge=challenge)
    missing = _token(meta, rp_key, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    code = _code(provider, meta, rp_key, challenge=challenge)
    wrong = _token(
        meta,
        rp_key,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier[:-2] + "xx",
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_replayed_code_revokes_what_it_issued(provider, rp_key):
    meta = _setup(provider, rp_key)
    verifier, challenge = pkce()
    code = _code(provider, meta, rp_key, challenge=challenge)
    first = _token(
        meta, rp_key, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    )
    assert first.status_code == 200
    access = first.json()["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    assert requests.get(meta["userinfo_endpoint"], headers=headers, timeout=5).status_code == 200
    replay = _token(
        meta, rp_key, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert requests.get(meta["userinfo_endpoint"], headers=headers, timeout=5).status_code == 401
    refresh = _token(meta, rp_key, grant_type="refresh_token", refresh_token=first.json()["refresh_token"])
    assert refresh.status_code == 400


def test_client_assertion_refusals(provider, rp_key):
    meta = _setup(provider, rp_key)
    verifier, challenge = pkce()
    code = _code(provider, meta, rp_key, challenge=challenge)
    stranger = ECKey.generate_key("P-256", parameters={"kid": "rp-1"})
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_assertion_type": ASSERTION_TYPE,
    }
    wrong_key = requests.post(
        meta["token_endpoint"],
        timeout=5,
        data={
            **form,
            "client_assertion": private_key_jwt_sign(stranger, CLIENT_ID, meta["token_endpoint"], alg="ES256"),
        },
    )
    assert wrong_key.status_code in (400, 401) and wrong_key.json()["error"] == "invalid_client"
    wrong_audience = requests.post(
        meta["token_endpoint"],
        timeout=5,
        data={
            **form,
            "client_assertion": private_key_jwt_sign(rp_key, CLIENT_ID, "https://elsewhere/token", alg="ES256"),
        },
    )
    assert wrong_audience.json()["error"] == "invalid_client"
    assertion = private_key_jwt_sign(rp_key, CLIENT_ID, meta["token_endpoint"], alg="ES256")
    ok = requests.post(meta["token_endpoint"], timeout=5, data={**form, "client_assertion": assertion})
    assert ok.status_code == 200
    reused = requests.post(
        meta["token_endpoint"],
        timeout=5,
        data={
            "grant_type": "refresh_token",
            "refresh_token": ok.json()["refresh_token"],
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        },
    )
    assert reused.json()["error"] == "invalid_client"  # an assertion authenticates once


def test_tampered_id_token_does_not_verify(provider, rp_key):
    meta = _setup(provider, rp_key)
    verifier, challenge = pkce()
    code = _code(provider, meta, rp_key, challenge=challenge)
    id_token = _token(
        meta, rp_key, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    ).json()["id_token"]
    jwks = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=5).json())
    header, payload, signature = id_token.split(".")
    claims = jwt.decode(id_token, jwks, algorithms=["Ed25519"]).claims
    import base64
    import json

    forged = dict(claims, sub="someone-else")
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    try:
        jwt.decode(f"{header}.{body}.{signature}", jwks, algorithms=["Ed25519"])
    except BadSignatureError:
        pass
    else:
        raise AssertionError("a tampered ID token verified")


def test_level_one_account_cannot_enter_a_level_two_party(provider, rp_key):
    """The party needs level 2: a password login is asked for the app's approval (step-up), and an account
    that is itself level 1 is told how to raise it; leaving returns access_denied to the party."""
    meta = _setup(provider, rp_key, level=2)
    from backend.auth.models import Account
    from backend.extensions import db

    _, challenge = pkce()
    pushed, params = push(meta, rp_key, challenge=challenge)
    browser = Browser(provider.base_url)
    step_up = browser.login(browser.open(authorize_url(meta, pushed.json()["request_uri"])), provider.citizen_pid)
    assert "Xác thực thêm trên ứng dụng" in step_up.text and "Đồng ý" not in step_up.text

    with provider.app.app_context():
        db.session.get(Account, provider.account_id).level = 1
        db.session.commit()
    pushed, params = push(meta, rp_key, challenge=challenge)
    browser = Browser(provider.base_url)
    page = browser.login(browser.open(authorize_url(meta, pushed.json()["request_uri"])), provider.citizen_pid)
    assert "chưa đạt mức độ 2" in page.text
    forced = browser.decide(page, "approve")  # a forged "approve" from this page is still a refusal
    callback = callback_params(forced)
    assert callback["error"] == "access_denied" and callback["state"] == params["state"]
