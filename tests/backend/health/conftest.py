"""Hospital fixtures: a hospital with departments and a registered kiosk."""

from __future__ import annotations

import pytest

from tests.backend.health.hospital_data import add_hospital, add_kiosk
from tests.backend.helpers import bearer, login


@pytest.fixture()
def hospital(session):
    return add_hospital(session)


@pytest.fixture()
def kiosk(session, factory, hospital):
    return add_kiosk(session, factory, hospital)


@pytest.fixture()
def kiosk_headers(client, kiosk):
    return bearer(login(client, kiosk.username)["access_token"])
