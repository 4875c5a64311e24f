"""Oversized heartbeat values (issue 12) are 422 problems from the schema's ranges, not database errors."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize(
    "field, value", [("uptime_s", 10**12), ("config_version", 2**40), ("outbox_backlog", 10**9), ("uptime_s", -1)]
)
def test_oversized_heartbeat_values_are_422(client, agent, field, value):
    body = {
        "app_version": "1.4.0",
        "uptime_s": 30,
        "config_version": 0,
        "devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"},
        field: value,
    }
    raw = json.dumps(body).encode()
    path = "/api/v1/fleet/device/heartbeat"
    response = client.post(
        path, data=raw, headers={"Content-Type": "application/json", **agent.signed_headers("POST", path, raw)}
    )
    assert response.status_code == 422, response.json
    assert field in json.dumps(response.json["errors"])
    assert agent.heartbeat().accepted  # the kiosk's ordinary heartbeat still goes through
