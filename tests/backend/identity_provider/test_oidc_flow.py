"""End to end against a live provider with Authlib's own OAuth client: discovery -> PAR -> authorize -> login ->
consent -> token -> userinfo -> refresh -> revoke consent -> refresh and userinfo refused."""

from __future__ import annotations

import json
import secrets

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.backend.helpers import PASSWORD, bearer
from tests.backend.identity_provider.oidc_kit import (
    LOGOUT_URI,
    REDIRECT_URI,
    Browser,
    callback_params,
    pkce,
    register,
)

CLIENT_ID = "NH-VIETBANK"


def discover(base_url: str) -> dict:
    return requests.get(base_url + "/.well-known/openid-configuration", timeout=5).json()


def push(
    meta: dict,
    key,
    *,
    scope="openid identity address",
    challenge=None,
    method="S256",
    extra=None,
    redirect_uri=REDIRECT_URI,
    client_id=CLIENT_ID,
):
    """A pushed authorization request authenticated with a fresh private_key_jwt assertion."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": secrets.token_urlsafe(12),
        "nonce": secrets.token_urlsafe(12),
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": private_key_jwt_sign(key, client_id, meta["issuer"], alg="ES256"),
        **({"code_challenge": challenge, "code_challenge_method": method} if challenge else {}),
        **(extra or {}),
    }
    response = requests.post(
        meta["pushed_authorization_request_endpoint"], data=params, timeout=5, allow_redirects=False
    )
    return response, params


def authorize_url(meta: dict, request_uri: str, client_id=CLIENT_ID) -> str:
    return f"{meta['authorization_endpoint']}?client_id={client_id}&request_uri={request_uri}"


def rp_session(meta: dict, key) -> OAuth2Session:
    session = OAuth2Session(
        CLIENT_ID,
        key,
        token_endpoint_auth_method=PrivateKeyJWT(meta["token_endpoint"], alg="ES256"),
        redirect_uri=REDIRECT_URI,
    )
    return session


def login_and_consent(provider, meta, key, *, scope="openid identity address"):
    verifier, challenge = pkce()
    pushed, params = push(meta, key, scope=scope, challenge=challenge)
    assert pushed.status_code == 201, pushed.text
    browser = Browser(provider.base_url)
    login_page = browser.open(authorize_url(meta, pushed.json()["request_uri"]))
    assert login_page.status_code == 200 and "Đăng nhập" in login_page.text
    consent_page = browser.login(login_page, provider.citizen_pid)
    assert "Đồng ý chia sẻ dữ liệu" in consent_page.text, consent_page.text[:400]
    return browser, consent_page, params, verifier


def test_full_flow_with_authlib_client(provider, rp_key):
    register(provider.app, jwks={"keys": [rp_key.as_dict(private=False)]})
    meta = discover(provider.base_url)
    assert meta["require_pushed_authorization_requests"] and meta["code_challenge_methods_supported"] == ["S256"]

    browser, consent_page, params, verifier = login_and_consent(provider, meta, rp_key)
    # The consent page names the recipient, the purpose, the duration and exactly the fields.
    for text in ("Ngân hàng Việt Bank", "Mở tài khoản thanh toán", "90 ngày", "Số định danh cá nhân", "Nơi thường trú"):
        assert text in consent_page.text
    assert "Số sổ hộ khẩu" not in consent_page.text  # household was not asked for
    callback = callback_params(browser.decide(consent_page, "approve"))
    assert callback["state"] == params["state"] and callback["iss"] == meta["issuer"]

    client = rp_session(meta, rp_key)
    token = client.fetch_token(
        meta["token_endpoint"], grant_type="authorization_code", code=callback["code"], code_verifier=verifier
    )
    jwks = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=5).json())
    id_token = jwt.decode(token["id_token"], jwks, algorithms=["Ed25519"])
    claims = id_token.claims
    assert claims["iss"] == meta["issuer"] and claims["aud"] == [CLIENT_ID]
    assert claims["nonce"] == params["nonce"] and claims["acr"] == "1" and claims["amr"] == ["pwd"]
    assert "full_name" not in claims  # personal data only through userinfo, where it is logged

    info = client.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"] and info["full_name"] == "Phạm Thị Hoa"
    assert info["personal_id"] == "001190012345" and "permanent_address" in info
    assert "household_number" not in info and "driving_licences" not in info

    old_refresh = token["refresh_token"]
    renewed = client.refresh_token(meta["token_endpoint"], refresh_token=old_refresh)
    assert renewed["refresh_token"] != old_refresh
    assert client.get(meta["userinfo_endpoint"]).status_code == 200

    # The citizen sees the receipt and the releases, and revokes.
    api = requests.Session()
    access = api.post(
        provider.base_url + "/api/v1/auth/login", json={"username": provider.citizen_pid, "password": PASSWORD}
    ).json()["access_token"]
    api.headers.update(bearer(access))
    receipts = api.get(provider.base_url + "/api/v1/me/consents").json()
    receipt = next(r for r in receipts if r["recipient_code"] == CLIENT_ID)
    assert receipt["active"] and "personal_id" in receipt["data_categories"]
    log = api.get(provider.base_url + "/api/v1/me/access-log").json()
    releases = [e for e in (log["items"] if isinstance(log, dict) else log) if e.get("record_type") == "oidc-userinfo"]
    assert len(releases) == 2 and "Ngân hàng Việt Bank" in json.dumps(releases, ensure_ascii=False)
    assert api.post(provider.base_url + f"/api/v1/me/consents/{receipt['id']}/revoke").status_code == 200

    assert client.get(meta["userinfo_endpoint"]).status_code == 401
    refused = requests.post(
        meta["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": renewed["refresh_token"],
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": private_key_jwt_sign(rp_key, CLIENT_ID, meta["token_endpoint"], alg="ES256"),
        },
        timeout=5,
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"

    # RP-initiated logout: a registered redirect with the state comes back; the login cookie is gone.
    out = browser.http.get(
        meta["end_session_endpoint"],
        params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGOUT_URI, "state": "s1"},
        allow_redirects=False,
    )
    assert out.status_code == 302, out.text
    assert out.headers["Location"] == LOGOUT_URI + "?state=s1"
    assert not browser.http.cookies.get("congdan_login")


def test_refusal_is_access_denied_to_the_party(provider, rp_key):
    register(provider.app, jwks={"keys": [rp_key.as_dict(private=False)]})
    meta = discover(provider.base_url)
    browser, consent_page, params, _ = login_and_consent(provider, meta, rp_key)
    callback = callback_params(browser.decide(consent_page, "refuse"))
    assert callback["error"] == "access_denied" and callback["state"] == params["state"]
    assert "code" not in callback


def test_client_secret_basic_party(provider):
    secret = register(
        provider.app,
        client_id="CONG-DVC",
        method="client_secret_basic",
        scopes=("identity",),
        name="Cổng Dịch vụ công quốc gia",
    )
    meta = discover(provider.base_url)
    verifier, challenge = pkce()
    pushed = requests.post(
        meta["pushed_authorization_request_endpoint"],
        auth=("CONG-DVC", secret),
        data={
            "response_type": "code",
            "client_id": "CONG-DVC",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid identity",
            "state": "st",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        timeout=5,
    )
    assert pushed.status_code == 201, pushed.text
    browser = Browser(provider.base_url)
    page = browser.login(
        browser.open(authorize_url(meta, pushed.json()["request_uri"], "CONG-DVC")), provider.citizen_pid
    )
    code = callback_params(browser.decide(page, "approve"))["code"]
    client = OAuth2Session(
        "CONG-DVC", secret, token_endpoint_auth_method="client_secret_basic", redirect_uri=REDIRECT_URI
    )
    token = client.fetch_token(
        meta["token_endpoint"], grant_type="authorization_code", code=code, code_verifier=verifier
    )
    assert client.get(meta["userinfo_endpoint"]).json()["full_name"] == "Phạm Thị Hoa"
    assert token["token_type"].lower() == "bearer"
