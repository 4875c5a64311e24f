"""The client address behind nginx (issue 12 #6): with PROXY_FIX_HOPS=1 the app trusts exactly the one
X-Forwarded-For value nginx adds, so audit rows (and rate limits) see the client; without it, the header is
ignored and a client cannot name its own address."""

from __future__ import annotations

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.extensions import db
from tests.backend.helpers import Factory, bearer, login


def _audited_address(app, forwarded: str) -> str:
    with app.app_context():
        session = db.new_session()
        factory = Factory(session)
        citizen = factory.citizen()
        officer = factory.staff("officer", citizen.permanent_ward_code)
        session.commit()
        personal_id, username, citizen_id = citizen.personal_id, officer.username, citizen.id
        session.close()
    client = app.test_client()
    headers = {**bearer(login(client, username)["access_token"]), "X-Forwarded-For": forwarded}
    response = client.get(f"/api/v1/citizens/{personal_id}?purpose=kiem+tra+ho+so", headers=headers)
    assert response.status_code == 200, response.json
    with app.app_context():
        return db.session.scalar(sa.select(AuditEvent.client_id).where(AuditEvent.subject_citizen_id == citizen_id))


def test_one_trusted_hop_gives_the_address_nginx_saw(make_app):
    app = make_app(PROXY_FIX_HOPS=1)
    # The client forged the first value; nginx appended (or, in our template, set) the second.
    assert _audited_address(app, "198.51.100.9, 203.0.113.5") == "203.0.113.5"


def test_without_a_proxy_the_header_is_ignored(make_app):
    assert _audited_address(make_app(), "203.0.113.5") == "127.0.0.1"
