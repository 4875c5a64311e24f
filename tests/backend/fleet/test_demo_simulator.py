"""The demo fleet simulator (`make run` starts it): it adopts the demo kiosks with fresh keys and beats for them
over real HTTP, signed like a kiosk; the offline one stays silent; a lock is obeyed and then reported."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from backend.auth.models import Account
from backend.core import clock
from backend.core.access import FLEET_ADMIN, Principal
from backend.demo import add_demo_people, add_demo_services
from backend.extensions import db
from backend.fleet import commands, simulator
from backend.fleet.models import Command, Kiosk
from backend.health.demo import add_demo_hospitals


@pytest.fixture()
def served_demo(make_app):
    app = make_app()
    with app.app_context():
        add_demo_people(session=db.session, password="demo-test-password")
        add_demo_hospitals(session=db.session, password="demo-test-password")
        add_demo_services(session=db.session)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_the_simulator_beats_for_the_demo_kiosks_and_obeys_a_lock(served_demo):
    app, url = served_demo
    kiosks = simulator.adopt_demo_kiosks(app)
    assert sorted(k.behaviour for k in kiosks) == ["healthy", "offline", "paper_low"]
    beating = [k for k in kiosks if k.behaviour != "offline"]
    assert [simulator.beat_once(url, k) for k in beating] == [200, 200]

    healthy = next(k for k in kiosks if k.behaviour == "healthy")
    with app.app_context():
        admin_id = db.session.scalar(sa.select(Account.id).where(Account.role == FLEET_ADMIN))
        admin = Principal(account_id=admin_id, role=FLEET_ADMIN, level=2, label="test", family_id="t")
        commands.queue_command(
            session=db.session, principal=admin, kiosk_id=healthy.kiosk_id, kind="lock", message=None, now=clock.now()
        )
        db.session.commit()
    simulator.beat_once(url, healthy)  # receives the lock, acknowledges it
    simulator.beat_once(url, healthy)  # reports itself locked
    with app.app_context():
        rows = {k.id: k for k in db.session.scalars(sa.select(Kiosk))}
        assert rows[healthy.kiosk_id].locked is True
        assert db.session.scalar(sa.select(Command.state).where(Command.kiosk_id == healthy.kiosk_id)) == "succeeded"
        silent = next(k for k in kiosks if k.behaviour == "offline")
        assert rows[silent.kiosk_id].last_seen_at < rows[healthy.kiosk_id].last_seen_at


def test_the_simulator_refuses_a_production_app(served_demo):
    app, _url = served_demo
    app.config["ENV_NAME"] = "production"
    with pytest.raises(SystemExit):
        simulator.adopt_demo_kiosks(app)
