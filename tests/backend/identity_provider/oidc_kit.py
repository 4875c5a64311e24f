"""A relying party's kit for the provider tests: registration, PKCE, a browser that follows the pages."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import requests

from backend.extensions import db
from tests.backend.helpers import PASSWORD

REDIRECT_URI = "https://bank.example/callback"
LOGOUT_URI = "https://bank.example/bye"


@dataclass
class Provider:
    app: object
    base_url: str
    citizen_pid: str
    citizen_id: int
    account_id: int


def register(
    app,
    *,
    client_id="NH-VIETBANK",
    scopes=("identity", "address"),
    level=1,
    method="private_key_jwt",
    jwks=None,
    sector=None,
    name="Ngân hàng Việt Bank",
):
    from backend.core import clock
    from backend.core.access import ADMIN, Principal
    from backend.identity_provider import service

    data = {
        "client_id": client_id,
        "name": name,
        "purpose": "Mở tài khoản thanh toán (eKYC)",
        "legal_basis": "Thông tư 17/2024/TT-NHNN, Điều 14",
        "sector": sector,
        "redirect_uris": [REDIRECT_URI],
        "post_logout_redirect_uris": [LOGOUT_URI],
        "scopes": list(scopes),
        "level_required": level,
        "auth_method": method,
        "jwks": jwks,
        "consent_days": 90,
    }
    with app.app_context():
        admin = Principal(account_id=None, role=ADMIN, level=2, label="test", family_id="")
        _, secret = service.register_relying_party(session=db.session, principal=admin, data=data, now=clock.now())
        db.session.commit()
    return secret


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def callback_params(response) -> dict:
    assert response.status_code in (302, 303), response.text[:500]
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI), location
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


class Browser:
    """The citizen's browser: keeps the provider's cookie, does not follow the redirect to the party."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()

    def open(self, url: str):
        return self.http.get(url, allow_redirects=False)

    def login(self, page, personal_id: str, password: str = PASSWORD):
        form = {
            "csrf_token": csrf_of(page.text),
            **_hidden(page.text),
            "personal_id": personal_id,
            "password": password,
        }
        response = self.http.post(self.base_url + "/oidc/login", data=form, allow_redirects=False)
        if response.status_code == 303:
            return self.open(
                self.base_url + response.headers["Location"]
                if response.headers["Location"].startswith("/")
                else response.headers["Location"]
            )
        return response

    def decide(self, page, decision: str):
        form = {"csrf_token": csrf_of(page.text), **_hidden(page.text), "decision": decision}
        return self.http.post(self.base_url + "/oidc/authorize", data=form, allow_redirects=False)


def _hidden(html: str) -> dict:
    return {
        "client_id": re.search(r'name="client_id" value="([^"]+)"', html).group(1),
        "request_uri": re.search(r'name="request_uri" value="([^"]+)"', html).group(1),
    }
