"""Life-event fixtures: a family with its officers, a fixed clock, and logins by name."""

from __future__ import annotations

import pytest

from tests.backend.helpers import bearer, login
from tests.backend.life_events.family import build_family
from tests.backend.payments.support import Clock, at


@pytest.fixture()
def clock(app, monkeypatch):
    moment = Clock(at(2026, 11, 23, 9))  # a Monday
    monkeypatch.setitem(app.config, "CLOCK", moment)
    return moment


@pytest.fixture()
def family(session, factory, clock):
    return build_family(session, factory)


@pytest.fixture()
def as_(client, family):
    tokens = {}

    def headers(name: str) -> dict:
        if name not in tokens:
            tokens[name] = bearer(login(client, family.accounts[name].username)["access_token"])
        return tokens[name]

    return headers
