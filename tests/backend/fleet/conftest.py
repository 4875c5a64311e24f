"""Fleet fixtures: a hospital, a fleet admin's headers, an enrolled simulated kiosk."""

from __future__ import annotations

import pytest

from tests.backend.fleet.fleet_data import add_hospital, enrolled_agent


@pytest.fixture()
def hospital(session):
    return add_hospital(session)


@pytest.fixture()
def admin(factory):
    return factory.staff("fleet_admin", username="fleet.admin.test")


@pytest.fixture()
def admin_headers(auth_headers, admin):
    return auth_headers(admin)


@pytest.fixture()
def agent(client, admin_headers, hospital, tmp_path):
    agent, _hooks = enrolled_agent(client, admin_headers, hospital.code, tmp_path / "kiosk")
    return agent
