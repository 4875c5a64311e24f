"""The update worker inside the kiosk app: on only when the kiosk runs from update slots with a trusted root,
and an update check that fails never takes the kiosk down."""

from __future__ import annotations

import io
import tarfile
from types import SimpleNamespace

from kiosk_app.updater.slots import SlotStore
from kiosk_app.updater.worker import UpdateWorker, open_update_agent


def _package() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("kiosk_app/VERSION")
        info.size = 6
        archive.addfile(info, io.BytesIO(b"1.0.0\n"))
    return buffer.getvalue()


def test_updates_are_on_only_under_the_launcher_with_a_trusted_root(tmp_path):
    fleet = SimpleNamespace(channel=SimpleNamespace(call=lambda *a: {}))
    idle = dict(is_idle=lambda: True, restart=lambda: None)
    assert open_update_agent("http://x", tmp_path, fleet, environ={}, **idle) is None
    env = {"CONGDAN_KIOSK_SLOTS": str(tmp_path / "software")}
    assert open_update_agent("http://x", tmp_path, fleet, environ=env, **idle) is None  # no slots yet
    SlotStore(tmp_path / "software").initialise(_package())
    assert open_update_agent("http://x", tmp_path, fleet, environ=env, **idle) is None  # no trusted root
    (tmp_path / "update-root.json").write_text("{}")
    agent = open_update_agent("http://x", tmp_path, fleet, environ=env, **idle)
    assert agent is not None and agent.slots.version_of("A") == "1.0.0"
    assert open_update_agent("http://x", tmp_path, None, environ=env, **idle) is None  # not enrolled


def test_a_failing_check_is_logged_and_the_kiosk_goes_on(caplog):
    def check_once():
        raise ConnectionError("backend unreachable")

    worker = UpdateWorker(SimpleNamespace(check_once=check_once))
    assert worker.run_once() == "failed" and "backend unreachable" in caplog.text
    worker.agent = SimpleNamespace(check_once=lambda: "busy")
    assert worker.run_once() == "busy" and worker.last == "busy"
