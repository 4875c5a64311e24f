"""Heartbeats across app workers: each worker's kiosk directory follows the fleet revision (a suspension, a
command or a profile made in one worker reaches the others), and the telemetry buffer writes a batch of
heartbeats (vitals, buckets, alerts) in one flush."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from backend.extensions import db
from backend.fleet.models import Alert, Kiosk, MetricBucket
from backend.fleet.telemetry_buffer import TelemetryBuffer
from kiosk_app.services.fleet_transport import AgentRefused
from shared_schemas.signed import b64url_encode
from tests.backend.fleet.fleet_data import add_hospital, enrolled_agent
from tests.backend.helpers import Factory, bearer, login


def _two_workers(make_app, **config):
    """Two apps on one database, as two gunicorn workers would be (each with its own caches, one fleet key)."""
    config["FLEET_SIGNING_KEY"] = b64url_encode(secrets.token_bytes(32))
    first = make_app(**config)
    second = make_app(first.config["DATABASE_URL"], **config)
    with first.app_context():
        session = db.session
        hospital = add_hospital(session)
        admin = Factory(session).staff("fleet_admin", username="fleet.admin.workers")
        session.commit()
        code = hospital.code
        username = admin.username
    return first, second, code, username


def _admin(app, username):
    return bearer(login(app.test_client(), username)["access_token"])


def _reject(agent) -> int:
    """0 when the heartbeat is accepted, else the refusal's HTTP status."""
    try:
        agent.heartbeat()
    except AgentRefused as refused:
        return refused.status
    return 0


def test_a_suspension_made_in_one_worker_refuses_the_kiosk_in_the_other(make_app, tmp_path):
    first, second, hospital, username = _two_workers(make_app, FLEET_DIRECTORY_CHECK_S=0)
    agent, _hooks = enrolled_agent(first.test_client(), _admin(first, username), hospital, tmp_path / "k")
    agent.heartbeat()  # the first worker now holds the kiosk in its directory
    suspended = second.test_client().put(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/status",
        headers=_admin(second, username),
        json={"status": "suspended", "reason": "stolen from the lobby"},
    )
    assert suspended.status_code == 200, suspended.json
    assert _reject(agent) == 403


def test_a_worker_that_has_not_looked_at_the_revision_yet_still_serves_its_cache(make_app, tmp_path):
    # The window a suspension takes to reach every worker is FLEET_DIRECTORY_CHECK_S, not zero: shown here.
    first, second, hospital, username = _two_workers(make_app, FLEET_DIRECTORY_CHECK_S=3600)
    agent, _hooks = enrolled_agent(first.test_client(), _admin(first, username), hospital, tmp_path / "k")
    agent.heartbeat()
    second.test_client().put(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/status",
        headers=_admin(second, username),
        json={"status": "suspended", "reason": "stolen from the lobby"},
    )
    assert _reject(agent) == 0
    first.extensions["congdan.fleet_directory"]._checked_at = float("-inf")  # the next look, a second later
    assert _reject(agent) == 403


def test_a_command_queued_in_one_worker_goes_out_with_the_others_heartbeat_reply(make_app, tmp_path):
    first, second, hospital, username = _two_workers(make_app, FLEET_DIRECTORY_CHECK_S=0)
    agent, hooks = enrolled_agent(first.test_client(), _admin(first, username), hospital, tmp_path / "k")
    agent.heartbeat()
    queued = second.test_client().post(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands",
        headers=_admin(second, username),
        json={"kind": "lock", "message": "Bảo trì"},
    )
    assert queued.status_code == 201, queued.json
    agent.heartbeat()
    assert ("lock", "Bảo trì") in hooks.calls
    listed = (
        second.test_client()
        .get(f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands", headers=_admin(second, username))
        .json
    )
    assert listed[0]["state"] == "succeeded"


def test_buffered_heartbeats_are_written_together_at_the_flush(make_app, tmp_path):
    app = make_app(FLEET_TELEMETRY_FLUSH_S=3600)  # the thread waits an hour: this test flushes by hand
    with app.app_context():
        hospital = add_hospital(db.session)
        Factory(db.session).staff("fleet_admin", username="fleet.admin.buffer")
        db.session.commit()
        code = hospital.code
    headers = _admin(app, "fleet.admin.buffer")
    agents = [enrolled_agent(app.test_client(), headers, code, tmp_path / f"k{n}") for n in range(3)]
    out_of_paper = agents[0][1]
    out_of_paper.vitals_now = {**out_of_paper.vitals_now, "devices": {**out_of_paper.vitals_now["devices"]}}
    out_of_paper.vitals_now["devices"]["printer"] = "paper_out"
    for agent, _hooks in agents:
        agent.record_scan("chip", succeeded=True)
        agent.heartbeat()
        agent.heartbeat()
    with app.app_context():
        buffer = TelemetryBuffer.of_app()
        assert buffer.pending() == 6
        assert db.session.scalar(sa.select(sa.func.count()).where(Kiosk.last_seen_at.is_not(None))) == 0
        db.session.commit()  # end this read (SQLite's lock) before the buffer's own session writes
        assert buffer.flush() == 6
        db.session.expire_all()
        assert db.session.scalar(sa.select(sa.func.count()).where(Kiosk.last_seen_at.is_not(None))) == 3
        beats = db.session.execute(
            sa.select(MetricBucket.kiosk_id, MetricBucket.heartbeats, MetricBucket.chip_attempted)
        )
        assert sorted((n, a) for _kiosk, n, a in beats) == [(2, 1), (2, 1), (2, 1)]
        alerts = db.session.scalars(sa.select(Alert).where(Alert.resolved_at.is_(None))).all()
        assert [(a.kiosk_id, a.kind) for a in alerts] == [(agents[0][0].kiosk_id, "printer_out_of_paper")]
        assert buffer.flush() == 0


def test_a_worker_following_a_new_revision_reloads_its_whole_directory_at_once(make_app, tmp_path):
    # Issue 21: a revision that moved used to empty the directory, and each kiosk's next heartbeat loaded it
    # again (four queries per kiosk, 20,000 for a fleet of 5,000). Now the first lookup reloads every kiosk.
    app, _second, hospital, username = _two_workers(make_app, FLEET_DIRECTORY_CHECK_S=0)
    headers = _admin(app, username)
    agents = [enrolled_agent(app.test_client(), headers, hospital, tmp_path / f"k{n}") for n in range(4)]
    for agent, _hooks in agents:
        agent.heartbeat()
    queued = app.test_client().post(
        f"/api/v1/fleet/kiosks/{agents[0][0].kiosk_id}/commands", headers=headers, json={"kind": "lock"}
    )
    assert queued.status_code == 201, queued.json
    engine = app.extensions["congdan.db"]["engine"]
    seen: list[str] = []

    def kiosk_reads(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "fleet_kiosks" in statement:
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", kiosk_reads)
    try:
        agents[1][0].heartbeat()  # follows the new revision: one read of all kiosks
        reload = list(seen)
        seen.clear()
        for agent, _hooks in agents[2:]:
            agent.heartbeat()
        assert seen == []  # the others were in the reloaded directory
        agents[0][0].heartbeat()
    finally:
        sa.event.remove(engine, "before_cursor_execute", kiosk_reads)
    assert len(reload) == 1 and "WHERE" not in reload[0].upper().split("FROM FLEET_KIOSKS", 1)[1]
    assert any(call[0] == "lock" for call in agents[0][1].calls)  # its waiting command went out
