"""The demo's life events, seen through the API: a newborn in the civil-status queue, a death in progress."""

from __future__ import annotations

import sqlalchemy as sa

from backend.demo import add_demo_people
from backend.extensions import db
from backend.health.demo import add_demo_hospitals
from backend.life_events.demo import PENSIONER_ID, add_demo_life_events
from backend.registry.models import Citizen
from tests.backend.helpers import bearer, login

PASSWORD = "demo-test-password"


def test_demo_has_a_newborn_waiting_and_a_death_in_progress(make_app):
    app = make_app()
    with app.app_context():
        add_demo_people(session=db.session, password=PASSWORD)
        add_demo_hospitals(session=db.session, password=PASSWORD)
        add_demo_life_events(session=db.session, password=PASSWORD)
        db.session.commit()
        assert db.session.scalar(sa.select(Citizen.deceased_on).where(Citizen.personal_id == PENSIONER_ID))
    client = app.test_client()

    def queue(username):
        headers = bearer(login(client, username, PASSWORD)["access_token"])
        return [(s["kind"], s["step"]) for s in client.get("/api/v1/life-events/queue", headers=headers).json]

    assert queue("hotich.hangbai") == [("birth", "birth_registration")]
    assert queue("officer.hangbai") == [("death", "residence_deregistration")]
    father = bearer(login(client, "001090012345", PASSWORD)["access_token"])
    mine = client.get("/api/v1/life-events/applications", headers=father).json
    assert sorted(a["kind"] for a in mine) == ["birth", "death"]
