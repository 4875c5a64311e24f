"""Pairwise subjects, key rotation and suspension, on the live provider."""

from __future__ import annotations

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.backend.identity_provider.oidc_kit import REDIRECT_URI, Browser, callback_params, pkce, register
from tests.backend.identity_provider.test_oidc_flow import authorize_url, discover


def _sign_in(provider, client_id: str, *, sector: str | None = None) -> tuple[OAuth2Session, dict, dict]:
    secret = register(
        provider.app, client_id=client_id, method="client_secret_basic", scopes=("identity",), sector=sector
    )
    meta = discover(provider.base_url)
    verifier, challenge = pkce()
    pushed = requests.post(
        meta["pushed_authorization_request_endpoint"],
        auth=(client_id, secret),
        timeout=5,
        data={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid identity",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    browser = Browser(provider.base_url)
    page = browser.login(
        browser.open(authorize_url(meta, pushed.json()["request_uri"], client_id)), provider.citizen_pid
    )
    code = callback_params(browser.decide(page, "approve"))["code"]
    client = OAuth2Session(
        client_id, secret, token_endpoint_auth_method="client_secret_basic", redirect_uri=REDIRECT_URI
    )
    token = client.fetch_token(
        meta["token_endpoint"], grant_type="authorization_code", code=code, code_verifier=verifier
    )
    return client, token, meta


def test_subjects_are_pairwise_per_sector(provider):
    _, first, meta = _sign_in(provider, "NH-A1", sector="bank-a")
    _, same_sector, _ = _sign_in(provider, "NH-A2", sector="bank-a")
    _, other_sector, _ = _sign_in(provider, "NH-B", sector="bank-b")
    jwks = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=5).json())

    def sub(token):
        return jwt.decode(token["id_token"], jwks, algorithms=["Ed25519"]).claims["sub"]

    assert sub(first) == sub(same_sector) != sub(other_sector)
    assert provider.citizen_pid not in sub(first) and str(provider.account_id) != sub(first)


def test_rotation_keeps_old_id_tokens_verifiable(provider):
    from backend.core.keys import keyring

    _, before, meta = _sign_in(provider, "NH-ROT")
    with provider.app.app_context():
        keyring().rotate()
    _, after, _ = _sign_in(provider, "NH-ROT2")
    jwks = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=5).json())
    assert len(jwks.keys) == 2
    old = jwt.decode(before["id_token"], jwks, algorithms=["Ed25519"])
    new = jwt.decode(after["id_token"], jwks, algorithms=["Ed25519"])
    assert old.header["kid"] != new.header["kid"]


def test_suspending_a_party_stops_its_tokens_at_once(provider):
    from backend.extensions import db
    from backend.identity_provider import service

    client, token, meta = _sign_in(provider, "NH-SUSP")
    assert client.get(meta["userinfo_endpoint"]).status_code == 200
    with provider.app.app_context():
        service.set_relying_party_status(session=db.session, client_id="NH-SUSP", status="suspended")
        db.session.commit()
    assert client.get(meta["userinfo_endpoint"]).status_code == 401
    refused = requests.post(
        meta["token_endpoint"],
        auth=("NH-SUSP", client.client_secret),
        timeout=5,
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    )
    assert refused.status_code in (400, 401) and refused.json()["error"] == "invalid_client"
