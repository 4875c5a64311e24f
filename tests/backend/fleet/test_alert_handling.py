"""Alerts handled by people: acknowledged (who, when), resolved with a note; the record keeps both."""

from __future__ import annotations

import sqlalchemy as sa

from backend.fleet.models import Alert


def _paper_out(agent, hooks) -> None:
    hooks.vitals_now = {**hooks.vitals_now, "devices": {**hooks.vitals_now["devices"], "printer": "paper_out"}}
    agent.heartbeat()


def test_an_alert_is_acknowledged_then_resolved_with_a_note(client, admin_headers, hospital, tmp_path, session, admin):
    from tests.backend.fleet.fleet_data import enrolled_agent

    agent, hooks = enrolled_agent(client, admin_headers, hospital.code, tmp_path / "k")
    _paper_out(agent, hooks)
    [alert] = client.get("/api/v1/fleet/alerts", headers=admin_headers).json
    assert alert["kind"] == "printer_out_of_paper" and alert["state"] == "open"

    taken = client.post(f"/api/v1/fleet/alerts/{alert['id']}/acknowledge", headers=admin_headers)
    assert taken.status_code == 200 and taken.json["state"] == "acknowledged" and taken.json["resolved_at"] is None

    no_note = client.post(f"/api/v1/fleet/alerts/{alert['id']}/resolve", headers=admin_headers, json={"note": ""})
    assert no_note.status_code == 422
    done = client.post(
        f"/api/v1/fleet/alerts/{alert['id']}/resolve",
        headers=admin_headers,
        json={"note": "Đã thay cuộn giấy mới / new paper roll"},
    )
    assert done.status_code == 200 and done.json["state"] == "resolved"
    assert done.json["note"] == "Đã thay cuộn giấy mới / new paper roll"
    again = client.post(f"/api/v1/fleet/alerts/{alert['id']}/resolve", headers=admin_headers, json={"note": "again"})
    assert again.status_code == 409

    record = session.scalar(sa.select(Alert).where(Alert.id == alert["id"]))
    assert record.acknowledged_by == record.resolved_by == admin.id
    listed = client.get("/api/v1/fleet/alerts?state=resolved", headers=admin_headers).json
    assert [a["id"] for a in listed] == [alert["id"]]


def test_a_persisting_condition_opens_a_new_alert_after_a_person_resolved_it(client, admin_headers, hospital, tmp_path):
    from tests.backend.fleet.fleet_data import enrolled_agent

    agent, hooks = enrolled_agent(client, admin_headers, hospital.code, tmp_path / "k")
    _paper_out(agent, hooks)
    [alert] = client.get("/api/v1/fleet/alerts", headers=admin_headers).json
    client.post(f"/api/v1/fleet/alerts/{alert['id']}/resolve", headers=admin_headers, json={"note": "checked"})
    agent.heartbeat()  # still out of paper: resolving did not hide it
    [reopened] = client.get("/api/v1/fleet/alerts", headers=admin_headers).json
    assert reopened["kind"] == "printer_out_of_paper" and reopened["id"] != alert["id"]
