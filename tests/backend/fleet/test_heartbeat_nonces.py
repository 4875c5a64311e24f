"""Replays of signed kiosk requests across app workers (issue 21): the nonce is claimed in Redis when one is
configured, else in the database, so a replay is refused whichever worker it reaches; a Redis that does not
answer falls back to the database. And buffered telemetry from two workers adds up (nothing lost, nothing
doubled) when both flush into the same 5-minute bucket."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.core import clock
from backend.extensions import db
from backend.fleet.models import MetricBucket, RequestNonce
from backend.fleet.settings import fleet_setting
from backend.fleet.telemetry_buffer import TelemetryBuffer
from bench.harness import Redis, free_port
from shared_schemas.signed import b64url_encode
from tests.backend.fleet.fleet_data import add_hospital, enrolled_agent
from tests.backend.helpers import Factory, bearer, login

HEARTBEAT = "/api/v1/fleet/device/heartbeat"


@pytest.fixture(scope="module")
def redis_url():
    server = Redis().start()
    yield server.url
    server.stop()


def _workers(make_app, count=2, **config):
    """Apps on one database, as gunicorn workers are (each with its own caches and buffer; one fleet key)."""
    config["FLEET_SIGNING_KEY"] = b64url_encode(secrets.token_bytes(32))
    apps = [make_app(**config)]
    apps += [make_app(apps[0].config["DATABASE_URL"], **config) for _ in range(count - 1)]
    with apps[0].app_context():
        hospital = add_hospital(db.session)
        admin = Factory(db.session).staff("fleet_admin", username="fleet.admin.nonces")
        db.session.commit()
        code = hospital.code
    return apps, code, bearer(login(apps[0].test_client(), admin.username)["access_token"])


def _heartbeat_request(agent) -> tuple[bytes, dict]:
    body = json.dumps(
        {
            "app_version": "1.4.0",
            "uptime_s": 30,
            "config_version": None,
            "devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"},
            "metrics": {"scans": {"chip": {"attempted": 2, "succeeded": 2}}},
        }
    ).encode()
    return body, {"Content-Type": "application/json", **agent.signed_headers("POST", HEARTBEAT, body)}


def _replayed_in_the_other_worker(make_app, tmp_path, **config) -> tuple[int, dict, int]:
    (first, second), hospital, headers = _workers(make_app, **config)
    agent, _hooks = enrolled_agent(first.test_client(), headers, hospital, tmp_path / "k")
    body, signed = _heartbeat_request(agent)
    accepted = first.test_client().post(HEARTBEAT, data=body, headers=signed)
    assert accepted.status_code == 200, accepted.json
    replay = second.test_client().post(HEARTBEAT, data=body, headers=signed)
    with first.app_context():
        beats = db.session.scalar(sa.select(sa.func.sum(MetricBucket.heartbeats)))
    return replay.status_code, replay.json, beats


def test_a_replay_reaching_another_worker_is_refused_by_the_shared_redis(make_app, tmp_path, redis_url):
    status, problem, beats = _replayed_in_the_other_worker(make_app, tmp_path, FLEET_NONCE_REDIS_URL=redis_url)
    assert (status, problem["code"]) == (401, "replayed-request")
    assert beats == 1  # the replay's telemetry was not counted


def test_with_redis_the_nonce_is_not_written_to_the_database(make_app, tmp_path, redis_url):
    (app,), hospital, headers = _workers(make_app, count=1, FLEET_NONCE_REDIS_URL=redis_url)
    agent, _hooks = enrolled_agent(app.test_client(), headers, hospital, tmp_path / "k")
    body, signed = _heartbeat_request(agent)
    assert app.test_client().post(HEARTBEAT, data=body, headers=signed).status_code == 200
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT nonce FROM fleet_request_nonces")).scalars().all()
    nonce = signed["X-Fleet-Nonce"]
    assert nonce not in stored
    import redis

    assert redis.Redis.from_url(redis_url).ttl(f"congdan:fleet:nonce:{agent.kiosk_id}:{nonce}") > 0


def test_without_redis_a_replay_reaching_another_worker_is_refused_by_the_database(make_app, tmp_path):
    status, problem, beats = _replayed_in_the_other_worker(make_app, tmp_path)
    assert (status, problem["code"]) == (401, "replayed-request")
    assert beats == 1


def test_a_redis_that_does_not_answer_falls_back_to_the_database(make_app, tmp_path):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    status, problem, beats = _replayed_in_the_other_worker(make_app, tmp_path, FLEET_NONCE_REDIS_URL=nowhere)
    assert (status, problem["code"]) == (401, "replayed-request")
    assert beats == 1


def test_a_kiosk_suspended_in_one_worker_is_refused_in_the_other_with_redis_nonces(make_app, tmp_path, redis_url):
    (first, second), hospital, headers = _workers(make_app, FLEET_DIRECTORY_CHECK_S=0, FLEET_NONCE_REDIS_URL=redis_url)
    agent, _hooks = enrolled_agent(first.test_client(), headers, hospital, tmp_path / "k")
    assert agent.heartbeat().accepted  # the first worker's directory now holds the kiosk and its key
    suspended = second.test_client().put(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/status",
        headers=headers,
        json={"status": "suspended", "reason": "stolen from the lobby"},
    )
    assert suspended.status_code == 200, suspended.json
    body, signed = _heartbeat_request(agent)
    refused = first.test_client().post(HEARTBEAT, data=body, headers=signed)
    assert (refused.status_code, refused.json["code"]) == (403, "kiosk-not-active")


def test_two_workers_buffers_flushed_into_one_bucket_add_up(make_app, tmp_path, redis_url):
    # Each worker writes about a second's heartbeats at once; a kiosk's beats land in both workers.
    apps, hospital, headers = _workers(make_app, FLEET_TELEMETRY_FLUSH_S=3600, FLEET_NONCE_REDIS_URL=redis_url)
    agent, _hooks = enrolled_agent(apps[0].test_client(), headers, hospital, tmp_path / "k")
    sent = 0
    for round_ in range(3):
        for app in apps:
            agent.transport.client = app.test_client()
            agent.record_scan("chip", succeeded=round_ != 1)
            agent.record_step("identify", 1500)
            assert agent.heartbeat().accepted
            sent += 1
    buffers = []
    for app in apps:
        with app.app_context():
            buffers.append(TelemetryBuffer.of_app())
    assert [buffer.pending() for buffer in buffers] == [3, 3]
    assert [buffer.flush() for buffer in buffers] == [3, 3]
    with apps[0].app_context():
        rows = db.session.execute(
            sa.select(
                MetricBucket.heartbeats, MetricBucket.chip_attempted, MetricBucket.chip_succeeded, MetricBucket.step_ms
            ).where(MetricBucket.kiosk_id == agent.kiosk_id)
        ).all()
    totals = [sum(row[n] for row in rows) for n in range(3)]
    assert totals == [sent, 6, 4]
    identify = [row.step_ms["identify"] for row in rows]
    assert [sum(step[0] for step in identify), sum(step[1] for step in identify)] == [6, 9000]
    assert [buffer.flush() for buffer in buffers] == [0, 0]


def test_a_flush_deletes_the_expired_nonces_and_keeps_the_live_ones(make_app, tmp_path):
    # Without Redis the nonces are rows; the workers' telemetry buffers are what deletes the expired ones.
    (app,), hospital, headers = _workers(make_app, count=1, FLEET_TELEMETRY_FLUSH_S=3600)
    agent, _hooks = enrolled_agent(app.test_client(), headers, hospital, tmp_path / "k")
    assert agent.heartbeat().accepted
    with app.app_context():
        live = db.session.scalar(sa.select(RequestNonce.nonce).where(RequestNonce.kiosk_id == agent.kiosk_id))
        window = 2 * fleet_setting("FLEET_REQUEST_MAX_SKEW_S")
        db.session.add(
            RequestNonce(kiosk_id=agent.kiosk_id, nonce="e" * 24, seen_at=clock.now() - timedelta(seconds=window + 5))
        )
        db.session.commit()
        assert TelemetryBuffer.of_app().flush() == 1
        kept = set(db.session.scalars(sa.select(RequestNonce.nonce).where(RequestNonce.kiosk_id == agent.kiosk_id)))
    assert live is not None and kept == {live}


def test_threads_of_one_worker_claiming_at_once_each_nonce_is_claimed_exactly_once(make_app, redis_url):
    # A gthread worker's threads claim in Redis concurrently; every nonce is won by exactly one of them, and each
    # thread reads its own answers (a connection shared without care would hand one thread another's reply).
    from concurrent.futures import ThreadPoolExecutor

    from backend.fleet import nonces

    app = make_app(FLEET_NONCE_REDIS_URL=redis_url)
    shared = [secrets.token_urlsafe(18) for _ in range(200)]

    def claims(thread: int) -> list[tuple[str, bool]]:
        own = [f"{thread}-{secrets.token_urlsafe(12)}" for _ in range(50)]
        with app.app_context():
            now = clock.now()
            return [(nonce, nonces.claim(db.session, "KIOSK-THREADS", nonce, now)) for nonce in shared + own]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [result for thread in pool.map(claims, range(8)) for result in thread]
    won = {nonce: 0 for nonce in shared}
    for nonce, claimed in results:
        if nonce in won:
            won[nonce] += claimed
        else:
            assert claimed, nonce  # a thread's own nonces are new: always claimed
    assert set(won.values()) == {1}
    with app.app_context():  # every claim went to Redis: nothing fell back to the database
        assert not db.session.scalars(
            sa.select(RequestNonce.nonce).where(RequestNonce.kiosk_id == "KIOSK-THREADS")
        ).all()


def test_a_redis_url_asking_for_decoded_answers_claims_as_well(make_app, tmp_path, redis_url):
    # redis-py answers str instead of bytes then: the first request is still accepted, its replay refused.
    url = f"{redis_url}?decode_responses=True"
    status, problem, beats = _replayed_in_the_other_worker(make_app, tmp_path, FLEET_NONCE_REDIS_URL=url)
    assert (status, problem["code"]) == (401, "replayed-request")
    assert beats == 1
