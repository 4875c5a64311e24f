"""eKYC: a bank reads the citizen's chip card itself and asks, with the citizen's consent, whether it is genuine,
matches the registry and is still valid in the card register; the release is in the citizen's access log."""

from __future__ import annotations

import base64
import datetime as dt

import requests

from tests.backend.helpers import PASSWORD
from tests.backend.identity_provider.oidc_kit import REDIRECT_URI, Browser, callback_params, pkce, register
from tests.backend.identity_provider.test_oidc_flow import authorize_url, discover, push
from tests.backend.identity_provider.test_oidc_refusals import _token
from tests.chip_evidence import ChipCard, card_holder


def _ekyc_token(provider, rp_key, scope="openid ekyc") -> tuple[dict, dict]:
    register(provider.app, jwks={"keys": [rp_key.as_dict(private=False)]}, scopes=("identity", "ekyc"))
    meta = discover(provider.base_url)
    verifier, challenge = pkce()
    pushed, _ = push(meta, rp_key, challenge=challenge, scope=scope)
    browser = Browser(provider.base_url)
    consent = browser.login(browser.open(authorize_url(meta, pushed.json()["request_uri"])), provider.citizen_pid)
    assert ("Kết quả đối chiếu thẻ căn cước gắn chip" in consent.text) == ("ekyc" in scope)
    code = callback_params(browser.decide(consent, "approve"))["code"]
    token = _token(
        meta, rp_key, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    ).json()
    return meta, {"Authorization": f"Bearer {token['access_token']}"}


def test_genuine_card_of_the_consenting_citizen_matches(provider, rp_key):
    meta, headers = _ekyc_token(provider, rp_key)
    base = provider.base_url
    issued = requests.post(base + "/oidc/ekyc/challenges", headers=headers, timeout=5).json()
    card = ChipCard(card_holder(provider.citizen_pid, "Phạm Thị Hoa", dt.date(1990, 1, 1)))
    evidence = card.evidence(challenge_id=issued["challenge_id"], challenge=base64.b64decode(issued["challenge"]))
    result = requests.post(base + "/oidc/ekyc", json=evidence, headers=headers, timeout=5).json()
    assert result["matches_registry"] and result["chip_genuine"] and result["holder_alive"]
    assert result["card_status"] == "unknown"  # the register holds no card of hers yet: said, not guessed

    stranger = ChipCard(card_holder("001090000777", "Đỗ Văn Khoa", dt.date(1985, 5, 5)))
    other = requests.post(base + "/oidc/ekyc", json=stranger.evidence(), headers=headers, timeout=5).json()
    assert other["matches_registry"] is False and other["holder_alive"] is None and not other["chip_genuine"]
    assert other["card_status"] is None  # nothing is said about a stranger's card

    tampered = ChipCard(card_holder(provider.citizen_pid, "Phạm Thị Hoa", dt.date(1990, 1, 1)), tamper_data_group=1)
    refused = requests.post(base + "/oidc/ekyc", json=tampered.evidence(), headers=headers, timeout=5)
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"

    api = requests.Session()
    access = api.post(
        base + "/api/v1/auth/login", json={"username": provider.citizen_pid, "password": PASSWORD}
    ).json()["access_token"]
    log = api.get(base + "/api/v1/me/access-log", headers={"Authorization": f"Bearer {access}"}).json()
    items = log["items"] if isinstance(log, dict) else log
    assert sum(1 for e in items if e["record_type"] == "oidc-ekyc") == 2


def _officer_headers(provider) -> dict:
    from backend.extensions import db
    from tests.backend.helpers import Factory

    with provider.app.app_context():
        officer = Factory(db.session).staff("officer", "00088")
        db.session.commit()
        username = officer.username
    token = requests.post(
        provider.base_url + "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    ).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _check(provider, headers, issued_on: dt.date) -> dict:
    """A fresh chip read of the citizen's card issued on `issued_on`, answered to a fresh challenge."""
    base = provider.base_url
    issued = requests.post(base + "/oidc/ekyc/challenges", headers=headers, timeout=5).json()
    card = ChipCard(card_holder(provider.citizen_pid, "Phạm Thị Hoa", dt.date(1990, 1, 1), issued=issued_on))
    evidence = card.evidence(challenge_id=issued["challenge_id"], challenge=base64.b64decode(issued["challenge"]))
    return requests.post(base + "/oidc/ekyc", json=evidence, headers=headers, timeout=5).json()


def test_card_status_comes_from_the_card_register(provider, rp_key):
    meta, headers = _ekyc_token(provider, rp_key)
    officer = _officer_headers(provider)
    cards = f"{provider.base_url}/api/v1/citizens/{provider.citizen_pid}/identity-cards"
    for day in ("2016-06-01", "2021-04-15"):  # the second card replaces the first
        issued = requests.post(cards, json={"issued_on": day, "reason": "cấp thẻ / issued"}, headers=officer)
        assert issued.status_code == 201, issued.text
    assert _check(provider, headers, dt.date(2021, 4, 15))["card_status"] == "valid"
    assert _check(provider, headers, dt.date(2016, 6, 1))["card_status"] == "replaced"
    assert _check(provider, headers, dt.date(2019, 1, 1))["card_status"] == "unknown"  # never issued: a forgery

    api = requests.Session()
    access = api.post(
        provider.base_url + "/api/v1/auth/login", json={"username": provider.citizen_pid, "password": PASSWORD}
    ).json()["access_token"]
    lost = api.post(
        provider.base_url + "/api/v1/citizens/me/identity-cards/report-lost",
        json={"reason": "mất ví / lost my wallet"},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert lost.status_code == 200, lost.text
    result = _check(provider, headers, dt.date(2021, 4, 15))
    assert result["card_status"] == "reported_lost" and result["chip_genuine"] and result["matches_registry"]


def test_ekyc_needs_the_ekyc_scope(provider, rp_key):
    meta, headers = _ekyc_token(provider, rp_key, scope="openid identity")
    refused = requests.post(provider.base_url + "/oidc/ekyc/challenges", headers=headers, timeout=5)
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
