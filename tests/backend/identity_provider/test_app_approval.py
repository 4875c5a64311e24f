"""Login by app approval with a bound device key, through a small reference client of the app's API: a QR
login without a password, a level-2 step-up after a password, denial, forged and unbound keys."""

from __future__ import annotations

import base64
import re

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.backend.helpers import PASSWORD
from tests.backend.identity_provider.oidc_kit import REDIRECT_URI, Browser, callback_params, pkce, register
from tests.backend.identity_provider.test_oidc_flow import authorize_url, discover, push
from tests.backend.identity_provider.test_oidc_refusals import _token


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class ReferenceApp:
    """What the citizen's phone does: holds a device key, binds it, lists and answers login requests."""

    def __init__(self, base_url: str, personal_id: str):
        self.api = base_url + "/api/v1/identity-provider"
        self.http = requests.Session()
        token = self.http.post(
            base_url + "/api/v1/auth/login", json={"username": personal_id, "password": PASSWORD}
        ).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.key = Ed25519PrivateKey.generate()
        self.key_id = None

    def bind(self, label: str = "iPhone của Hoa") -> dict:
        public = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        response = self.http.post(self.api + "/device-keys", json={"public_key": _b64(public), "label": label})
        assert response.status_code == 201, response.text
        self.key_id = response.json()["id"]
        return response.json()

    def pending(self) -> list[dict]:
        return self.http.get(self.api + "/login-requests").json()

    def scan(self, request_id: str) -> dict:
        return self.http.get(self.api + f"/login-requests/{request_id}").json()

    def answer(self, request: dict, decision: str, *, key=None):
        message = request["signing_input"].replace("<decision>", decision).encode()
        signature = (key or self.key).sign(message)
        return self.http.post(
            self.api + f"/login-requests/{request['id']}/decision",
            json={"decision": decision, "device_key_id": self.key_id, "signature": _b64(signature)},
        )


def _qr_id(html: str) -> str:
    return re.search(r'href="congdan://login/([0-9a-f]{32})"', html).group(1)


def test_qr_login_approved_by_the_bound_phone(provider, rp_key):
    register(provider.app, jwks={"keys": [rp_key.as_dict(private=False)]}, level=2)
    meta = discover(provider.base_url)
    phone = ReferenceApp(provider.base_url, provider.citizen_pid)
    phone.bind()
    verifier, challenge = pkce()
    pushed, params = push(meta, rp_key, challenge=challenge, extra={"acr_values": "2"})
    browser = Browser(provider.base_url)
    url = authorize_url(meta, pushed.json()["request_uri"])
    login_page = browser.open(url)
    scanned = phone.scan(_qr_id(login_page.text))
    assert scanned["client_id"] == "NH-VIETBANK" and scanned["status"] == "pending"
    assert phone.answer(scanned, "approve").json()["status"] == "approved"
    consent = browser.open(url)  # "I approved in the app"
    assert "Đồng ý chia sẻ dữ liệu" in consent.text
    code = callback_params(browser.decide(consent, "approve"))["code"]
    token = _token(
        meta, rp_key, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    ).json()
    claims = jwt.decode(
        token["id_token"], KeySet.import_key_set(requests.get(meta["jwks_uri"]).json()), algorithms=["Ed25519"]
    ).claims
    assert claims["acr"] == "2" and claims["amr"] == ["hwk", "user"]
    assert browser.open(url).status_code == 400  # the pushed request was used up


def test_password_session_is_stepped_up_by_the_phone(provider, rp_key):
    register(provider.app, jwks={"keys": [rp_key.as_dict(private=False)]}, level=2)
    meta = discover(provider.base_url)
    phone = ReferenceApp(provider.base_url, provider.citizen_pid)
    phone.bind()
    verifier, challenge = pkce()
    pushed, _ = push(meta, rp_key, challenge=challenge)
    browser = Browser(provider.base_url)
    url = authorize_url(meta, pushed.json()["request_uri"])
    step_up = browser.login(browser.open(url), provider.citizen_pid)
    assert "Xác thực thêm trên ứng dụng" in step_up.text
    waiting = phone.pending()
    assert [r["client_id"] for r in waiting] == ["NH-VIETBANK"]

    forger = Ed25519PrivateKey.generate()
    assert phone.answer(waiting[0], "approve", key=forger).status_code == 403
    assert "Xác thực thêm" in browser.open(url).text  # still waiting
    assert phone.answer(waiting[0], "approve").status_code == 200
    consent = browser.open(url)
    code = callback_params(browser.decide(consent, "approve"))["code"]
    token = _token(
        meta, rp_key, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    ).json()
    claims = jwt.decode(
        token["id_token"], KeySet.import_key_set(requests.get(meta["jwks_uri"]).json()), algorithms=["Ed25519"]
    ).claims
    assert claims["acr"] == "2" and claims["amr"] == ["hwk", "pwd", "user"]


def test_denied_or_unbound_phone_logs_nobody_in(provider, rp_key):
    register(provider.app, jwks={"keys": [rp_key.as_dict(private=False)]})
    meta = discover(provider.base_url)
    phone = ReferenceApp(provider.base_url, provider.citizen_pid)
    phone.bind()
    _, challenge = pkce()
    pushed, _ = push(meta, rp_key, challenge=challenge)
    browser = Browser(provider.base_url)
    url = authorize_url(meta, pushed.json()["request_uri"])
    request = phone.scan(_qr_id(browser.open(url).text))
    assert phone.answer(request, "deny").json()["status"] == "denied"
    assert phone.answer(request, "approve").status_code == 409  # answered once
    page = browser.open(url)
    assert "Đăng nhập" in page.text and "Đồng ý chia sẻ" not in page.text

    assert phone.http.post(phone.api + f"/device-keys/{phone.key_id}/unbind").status_code == 200
    fresh = phone.scan(_qr_id(page.text))
    assert phone.answer(fresh, "approve").status_code == 403
    assert phone.http.get(phone.api + "/device-keys").json() == []


def test_an_officer_unbinds_a_lost_phone(provider, rp_key):
    from backend.extensions import db
    from tests.backend.helpers import Factory

    register(provider.app, jwks={"keys": [rp_key.as_dict(private=False)]})
    with provider.app.app_context():
        officer = Factory(db.session).staff("officer", "00088").username
        elsewhere = Factory(db.session).staff("officer", "79").username
        db.session.commit()
    phone = ReferenceApp(provider.base_url, provider.citizen_pid)
    phone.bind()
    url = provider.base_url + f"/api/v1/identity-provider/citizens/{provider.citizen_pid}/device-keys/unbind"

    def as_officer(username):
        token = requests.post(
            provider.base_url + "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        ).json()["access_token"]
        return requests.post(
            url, json={"reason": "báo mất điện thoại tại công an phường"}, headers={"Authorization": f"Bearer {token}"}
        )

    assert as_officer(elsewhere).status_code == 403
    unbound = as_officer(officer)
    assert unbound.status_code == 200 and [k["id"] for k in unbound.json()] == [phone.key_id]
    meta = discover(provider.base_url)
    _, challenge = pkce()
    pushed, _ = push(meta, rp_key, challenge=challenge)
    page = Browser(provider.base_url).open(authorize_url(meta, pushed.json()["request_uri"]))
    assert phone.answer(phone.scan(_qr_id(page.text)), "approve").status_code == 403
    log = phone.http.get(provider.base_url + "/api/v1/me/access-log").json()
    items = log["items"] if isinstance(log, dict) else log
    assert any(e["record_type"] == "device-keys" for e in items)
