"""Row timestamps come from the service clock (backend/core/clock.py), like every other date a service sets."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.backend.helpers import Factory

MOVED = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_created_and_updated_at_follow_the_service_clock(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "CLOCK", lambda: MOVED)
    citizen = Factory(session).citizen()
    session.flush()
    assert citizen.created_at == MOVED and citizen.updated_at == MOVED

    later = MOVED.replace(year=2032)
    monkeypatch.setitem(app.config, "CLOCK", lambda: later)
    citizen.full_name = "Trần Thị Bình"
    session.flush()
    session.refresh(citizen)
    assert citizen.created_at == MOVED and citizen.updated_at == later
