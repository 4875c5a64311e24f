"""A chain step approved twice at once, on a committed database (SQLite or PostgreSQL, whichever the run uses):
one officer wins, the other is told, and the step's work (a personal ID, a registry record; a death's effects)
happens once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from backend.extensions import db
from backend.life_events import offices
from backend.life_events.models import BirthRegistration, DeathRegistration
from backend.registry.models import Citizen
from tests.backend.helpers import Factory, bearer, login
from tests.backend.life_events.family import WARD, build_family
from tests.backend.life_events.steps import step
from tests.backend.payments.support import Clock, at

TWINS = 4


def _setup(app):
    with app.app_context():
        factory = Factory(db.session)
        family = build_family(db.session, factory)
        officers = [family.accounts["civil_status"].username]
        for _ in range(TWINS - 1):
            twin = factory.staff("officer", WARD)
            offices.assign(session=db.session, account_id=twin.id, office="civil_status")
            officers.append(twin.username)
        names = {k: a.username for k, a in family.accounts.items()}
        ids = {
            "mother": family.mother.personal_id,
            "father": family.father.personal_id,
            "grandfather": family.grandfather.personal_id,
        }
        db.session.commit()
        return names, ids, officers


def _race(app, step_id, tokens):
    barrier = threading.Barrier(len(tokens))

    def decide(token):
        barrier.wait()
        return app.test_client().post(
            f"/api/v1/life-events/steps/{step_id}/decision", headers=bearer(token), json={"decision": "approve"}
        )

    with ThreadPoolExecutor(len(tokens)) as pool:
        return [r.status_code for r in pool.map(decide, tokens)]


def _headers(client, name):
    return bearer(login(client, name)["access_token"])


def test_birth_registration_approved_at_once_registers_one_child(make_app):
    app = make_app(CLOCK=Clock(at(2026, 11, 23, 9)))
    names, ids, officers = _setup(app)
    client = app.test_client()
    certificate = client.post(
        "/api/v1/life-events/birth-certificates",
        headers=_headers(client, names["hospital"]),
        json={
            "mother_personal_id": ids["mother"],
            "child_sex": "male",
            "born_at": "2026-11-21T03:00:00+07:00",
            "weight_grams": 2900,
        },
    ).json
    application = client.post(
        "/api/v1/life-events/births",
        headers=_headers(client, names["mother"]),
        json={
            "certificate_ref": certificate["ref"],
            "child_full_name": "Nguyễn Văn Song",
            "place_of_origin": "Hà Nội",
            "household_of": "mother",
        },
    ).json
    tokens = [login(client, name)["access_token"] for name in officers]
    statuses = _race(app, step(application, "birth_registration")["id"], tokens)
    assert sorted(statuses) == [200] + [409] * (TWINS - 1), statuses
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BirthRegistration)) == 1
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Citizen).where(Citizen.full_name == "Nguyễn Văn Song")
            )
            == 1
        )


def test_death_registration_approved_at_once_applies_its_effects_once(make_app):
    app = make_app(CLOCK=Clock(at(2026, 11, 23, 9)))
    names, ids, officers = _setup(app)
    client = app.test_client()
    notice = client.post(
        "/api/v1/life-events/death-notices",
        headers=_headers(client, names["hospital"]),
        json={
            "deceased_personal_id": ids["grandfather"],
            "informant_personal_id": ids["father"],
            "died_at": "2026-11-22T05:00:00+07:00",
        },
    ).json
    application = client.post(
        "/api/v1/life-events/deaths",
        headers=_headers(client, names["father"]),
        json={"certificate_ref": notice["ref"], "relationship": "Con"},
    ).json
    tokens = [login(client, name)["access_token"] for name in officers]
    statuses = _race(app, step(application, "death_registration")["id"], tokens)
    assert sorted(statuses) == [200] + [409] * (TWINS - 1), statuses
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeathRegistration)) == 1
