"""A life-event step decided from the officer console: the civil-status officer finds the newborn's registration
in the queue, opens it (the read in the family's access log), is told what a refusal needs, approves; an officer of
another ward gets a refusal page without the declaration, and another agency of the chain may read but not decide."""

from __future__ import annotations

import re

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.life_events.models import LifeEventStep
from tests.backend.consoles.conftest import csrf_of
from tests.backend.life_events.conftest import as_, clock, family  # noqa: F401 (fixtures)
from tests.backend.life_events.steps import birth_certificate, declare_birth


def _declared(client, as_, family):  # noqa: F811
    certificate = birth_certificate(client, as_, family.mother)
    response = declare_birth(client, as_, certificate["ref"], father=family.father)
    assert response.status_code == 201, response.json
    return response.json


def test_civil_status_officer_decides_the_birth_step(client, session, sign_in, family, as_):  # noqa: F811
    application = _declared(client, as_, family)
    web = sign_in(family.accounts["civil_status"])
    queue = web.get("/console/officer/").get_data(as_text=True)
    link = re.search(r'href="(/console/officer/life-events/[^"]+)"', queue).group(1)
    assert application["ref"] in link
    page = web.get(link).get_data(as_text=True)
    assert "Đăng ký khai sinh" in page and "Nguyễn Thị Con" in page
    assert session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.record_type == "life-event-application", AuditEvent.actor_role == "officer"
        )
    )
    refused = web.post(link, data={"csrf_token": csrf_of(page), "decision": "refuse", "reason": "Thiếu giấy tờ"})
    assert refused.status_code == 422 and "Khi từ chối" in refused.get_data(as_text=True)
    approved = web.post(link, data={"csrf_token": csrf_of(page), "decision": "approve"})
    assert approved.status_code == 302 and approved.headers["Location"].endswith("decided=approve")
    step_id = int(link.rsplit("/", 1)[1])
    session.expire_all()
    assert session.get(LifeEventStep, step_id).status == "done"
    again = web.post(link, data={"csrf_token": csrf_of(page), "decision": "approve"})
    assert again.headers["Location"].endswith("decided=already")


def test_another_ward_is_refused_and_another_agency_cannot_decide(client, session, sign_in, family, as_):  # noqa: F811
    application = _declared(client, as_, family)
    step_id = next(s["id"] for s in application["steps"] if s["step"] == "birth_registration")
    path = f"/console/officer/life-events/{application['ref']}/steps/{step_id}"
    elsewhere = sign_in(family.accounts["civil_status_elsewhere"])
    response = elsewhere.get(path)
    assert response.status_code == 403 and "Nguyễn Thị Con" not in response.get_data(as_text=True)
    # The police has a later step of this chain in the ward: it may read the application, not decide this step.
    police = sign_in(family.accounts["police"])
    page = police.get(path).get_data(as_text=True)
    assert "Nguyễn Thị Con" in page and 'name="decision"' not in page
    refused = police.post(path, data={"csrf_token": csrf_of(page), "decision": "approve"})
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(LifeEventStep, step_id).status == "ready"
    assert sign_in(family.accounts["civil_status"]).get(path.replace(str(step_id), "999999")).status_code == 404
