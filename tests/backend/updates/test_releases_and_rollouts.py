"""Releases and rollouts through the API, the dashboard and the CLI: package caps and shapes, one rollout at
a time, the root key ceremony (an offline key file, root rotation), timestamps re-signed before they expire."""

from __future__ import annotations

import io
import json
import re
import tarfile
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.core import clock
from backend.database import utcnow
from backend.extensions import db
from backend.updates import tuf_repository
from backend.updates.models import UpdateEvent
from kiosk_app.updater.verification import ReleaseVerifier, UpdateRefused
from tests.backend.fleet.fleet_data import enrolled_agent
from tests.backend.helpers import PASSWORD
from tests.backend.updates.update_kit import ClientFetcher, kiosk_package


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_packages_of_the_wrong_shape_are_refused(app, trusted_root, upload, monkeypatch):
    problems = {
        "not an archive": b"MZ\x90\x00 definitely not gzip",
        "path escapes": tarball({"kiosk_app/VERSION": b"2.0.0", "kiosk_app/../../etc/x": b"x"}),
        "outside kiosk_app": tarball({"kiosk_app/VERSION": b"2.0.0", "evil/x.py": b"x"}),
        "no VERSION": tarball({"kiosk_app/__init__.py": b""}),
        "VERSION disagrees": tarball({"kiosk_app/VERSION": b"2.0.1"}),
    }
    for name, package in problems.items():
        body = upload("2.0.0", package, expect=422)
        assert body["code"] == "validation-failed", name
    monkeypatch.setitem(app.config, "UPDATE_MAX_PACKAGE_BYTES", 1000)
    assert upload("2.0.0", kiosk_package("2.0.0"), expect=413)["status"] == 413


def test_a_version_is_uploaded_once_and_needs_a_signed_root(client, admin_headers, upload, v2_package, root_key, app):
    assert upload("2.0.0", v2_package, expect=409)["detail"].startswith("The update repository has no root")
    with app.test_request_context():
        tuf_repository.sign_root(session=db.session, root_keys=[root_key], now=clock.now())
    upload("2.0.0", v2_package)
    assert upload("2.0.0", v2_package, expect=409)["code"] == "conflict"
    listed = client.get("/api/v1/fleet/updates/releases", headers=admin_headers).get_json()
    assert [r["version"] for r in listed] == ["2.0.0"]


def test_one_rollout_at_a_time_with_real_canaries(client, admin_headers, trusted_root, upload, v2_package):
    release = upload("2.0.0", v2_package)
    unknown = client.post(
        "/api/v1/fleet/updates/rollouts",
        headers=admin_headers,
        json={"release_id": release["id"], "canary_kiosk_ids": ["KSK-00000000"]},
    )
    assert unknown.status_code == 422 and unknown.get_json()["errors"] == {"canary_kiosk_ids": ["KSK-00000000"]}
    empty = client.post(
        "/api/v1/fleet/updates/rollouts",
        headers=admin_headers,
        json={"release_id": release["id"], "canary_kiosk_ids": []},
    )
    assert empty.status_code == 422
    huge = client.get(f"/api/v1/fleet/updates/rollouts/{10**30}", headers=admin_headers)
    assert huge.status_code == 404 and huge.content_type.startswith("application/problem+json")


def test_the_timestamp_is_re_signed_before_it_expires(app, client, trusted_root, upload, v2_package, monkeypatch):
    upload("2.0.0", v2_package)
    first = json.loads(client.get("/api/v1/fleet/updates/tuf/timestamp.json").get_data())["signed"]
    assert json.loads(client.get("/api/v1/fleet/updates/tuf/timestamp.json").get_data())["signed"] == first
    later = utcnow() + timedelta(hours=13)  # past half of the 24-hour lifetime
    monkeypatch.setitem(app.config, "CLOCK", lambda: later)
    renewed = json.loads(client.get("/api/v1/fleet/updates/tuf/timestamp.json").get_data())["signed"]
    assert renewed["version"] == first["version"] + 1 and renewed["expires"] > first["expires"]


def test_root_key_ceremony_from_the_cli_and_rotation(make_app, tmp_path):
    app = make_app()
    runner = app.test_cli_runner()
    old_key, new_key = tmp_path / "root-1.pem", tmp_path / "root-2.pem"
    assert runner.invoke(args=["updates", "make-root-key", str(old_key)]).exit_code == 0
    assert oct(old_key.stat().st_mode & 0o777) == "0o600"
    result = runner.invoke(
        args=["updates", "root-sign", "--root-key", str(old_key), "--out", str(tmp_path / "root.json")]
    )
    assert result.exit_code == 0 and "root version 1 signed" in result.output
    shipped = (tmp_path / "root.json").read_bytes()
    client = app.test_client()

    def kiosk(folder: str) -> ReleaseVerifier:
        return ReleaseVerifier(tmp_path / folder, "http://kiosk.test", shipped, fetcher=ClientFetcher(client))

    # Rotation: the new key signs root v2 together with the old one; a kiosk shipped with v1 follows it.
    runner.invoke(args=["updates", "make-root-key", str(new_key)])
    result = runner.invoke(args=["updates", "root-sign", "--root-key", str(new_key), "--root-key", str(old_key)])
    assert result.exit_code == 0 and "root version 2 signed" in result.output
    follower = kiosk("follower")
    try:
        follower.fetch("kiosk_app-9.9.9.tar.gz", offered_version="9.9.9", running_version="1.0.0")
    except UpdateRefused as refused:
        assert "not among the signed releases" in str(refused)
    assert json.loads((tmp_path / "follower" / "tuf-metadata" / "root.json").read_text())["signed"]["version"] == 2

    # A root v3 signed by a key the kiosk's trusted root does not name is not believed.
    stranger = Ed25519PrivateKey.generate()
    with app.app_context():
        tuf_repository.sign_root(session=db.session, root_keys=[stranger], now=clock.now())
        db.session.commit()
    try:
        kiosk("fresh").fetch("kiosk_app-9.9.9.tar.gz", offered_version="9.9.9", running_version="1.0.0")
    except UpdateRefused as refused:
        assert "Unsigned" in str(refused) or "threshold" in str(refused)
    else:
        raise AssertionError("a root signed by an unknown key was accepted")
    with app.app_context():
        actions = [e.action for e in db.session.query(UpdateEvent).order_by(UpdateEvent.id)]
    assert actions.count("root_signed") == 2


def test_dashboard_upload_start_and_emergency_stop(
    app, client, admin, auth_headers, hospital, tmp_path, trusted_root, v2_package, monkeypatch
):
    monkeypatch.setitem(app.config, "CONSOLE_COOKIE_SECURE", False)
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": admin.username, "password": PASSWORD, "csrf_token": csrf})
    page = client.get("/fleet/updates/")
    assert page.status_code == 200 and "Phần mềm ki-ốt" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    no_token = client.post(
        "/fleet/updates/releases",
        data={"version": "2.0.0", "file": (io.BytesIO(v2_package), "k.tar.gz")},
        content_type="multipart/form-data",
    )
    assert no_token.status_code == 400
    uploaded = client.post(
        "/fleet/updates/releases",
        data={"version": "2.0.0", "csrf_token": csrf, "file": (io.BytesIO(v2_package), "k.tar.gz")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303
    page = client.get("/fleet/updates/").text
    assert 'data-release="2.0.0"' in page and 'data-event="release_uploaded"' in page
    release_id = re.search(r'<option value="(\d+)">2.0.0</option>', page).group(1)
    refused = client.post(
        "/fleet/updates/rollouts", data={"csrf_token": csrf, "release_id": release_id, "canaries": "KSK-FFFFFFFF"}
    )
    assert refused.status_code == 422 and "canary" in refused.text

    agent, _ = enrolled_agent(client, auth_headers(admin), hospital.code, tmp_path / "kiosk")
    form = {"csrf_token": csrf, "release_id": release_id, "canaries": agent.kiosk_id.lower(), "share_percent": "10"}
    assert client.post("/fleet/updates/rollouts", data=form).status_code == 303
    page = client.get("/fleet/updates/").text
    rollout_id = re.search(r'data-rollout="(\d+)" data-state="running" data-wave="canary"', page).group(1)
    stopped = client.post(f"/fleet/updates/rollouts/{rollout_id}", data={"csrf_token": csrf, "action": "stop"})
    assert stopped.status_code == 303
    page = client.get("/fleet/updates/").text
    assert f'data-rollout="{rollout_id}" data-state="stopped"' in page and 'data-event="rollout_stop"' in page
