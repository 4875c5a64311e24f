"""Update fixtures: a fleet admin, a hospital, the offline root key and a repository signed with it."""

from __future__ import annotations

import io

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.core import clock
from backend.updates import tuf_repository
from tests.backend.fleet.fleet_data import add_hospital
from tests.backend.updates.update_kit import kiosk_package


@pytest.fixture()
def hospital(session):
    return add_hospital(session)


@pytest.fixture()
def admin(factory):
    return factory.staff("fleet_admin", username="fleet.admin.updates")


@pytest.fixture()
def admin_headers(auth_headers, admin):
    return auth_headers(admin)


@pytest.fixture()
def root_key():
    return Ed25519PrivateKey.generate()


@pytest.fixture()
def trusted_root(app, session, root_key) -> bytes:
    """The root.json a kiosk image ships with: version 1, signed with the offline key."""
    with app.test_request_context():
        row = tuf_repository.sign_root(session=session, root_keys=[root_key], now=clock.now())
    session.flush()
    return row.body.encode()


@pytest.fixture(scope="session")
def v1_package() -> bytes:
    return kiosk_package("1.0.0")


@pytest.fixture(scope="session")
def v2_package() -> bytes:
    return kiosk_package("2.0.0")


@pytest.fixture()
def upload(client, admin_headers):
    def upload_release(version: str, package: bytes, expect: int = 201) -> dict:
        response = client.post(
            "/api/v1/fleet/updates/releases",
            headers=admin_headers,
            data={"version": version, "file": (io.BytesIO(package), f"kiosk_app-{version}.tar.gz")},
            content_type="multipart/form-data",
        )
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    return upload_release
