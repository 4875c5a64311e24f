"""The A/B slots on disk: the atomic switch, the boot guard's fall-back after unconfirmed starts, and the
package shapes a kiosk refuses to unpack."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from kiosk_app.updater.slots import MAX_UNCONFIRMED_STARTS, SlotError, SlotStore


def package(version: str, extra: dict[str, bytes] | None = None, *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        files = {"kiosk_app/VERSION": version.encode(), "kiosk_app/__init__.py": b"", **(extra or {})}
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo("kiosk_app/link")
            info.type, info.linkname = tarfile.SYMTYPE, link
            archive.addfile(info)
    return buffer.getvalue()


@pytest.fixture()
def slots(tmp_path):
    store = SlotStore(tmp_path / "software")
    store.initialise(package("1.0.0"))
    return store


def test_first_install_runs_slot_a(slots):
    assert slots.active_slot() == "A" and slots.version_of("A") == "1.0.0"
    assert os.readlink(slots.current) == "slots/A"
    assert slots.boot().pending is False


def test_switch_then_confirm(slots):
    assert slots.unpack(package("2.0.0"), "B") == "2.0.0"
    slots.switch_to("B", version="2.0.0", rollout_id=7)
    decision = slots.boot()
    assert (decision.slot, decision.version, decision.pending) == ("B", "2.0.0", True)
    result = slots.confirm()
    assert result["state"] == "confirmed" and result["rollout_id"] == 7 and result["crashes"] == 0
    assert slots.boot().pending is False and slots.active_slot() == "B"


def test_a_slot_that_never_confirms_falls_back_after_the_allowed_starts(slots):
    slots.unpack(package("2.0.0"), "B")
    slots.switch_to("B", version="2.0.0", rollout_id=None)
    for _ in range(MAX_UNCONFIRMED_STARTS):
        assert slots.boot().pending is True  # each start crashed before its health check finished
    decision = slots.boot()
    assert decision.rolled_back and decision.slot == "A" and decision.version == "1.0.0"
    last = slots.state()["last_result"]
    assert last["state"] == "rolled_back" and last["crashes"] == MAX_UNCONFIRMED_STARTS


@pytest.mark.parametrize(
    "bad",
    [
        package("2.0.0", {"../escape.py": b"x"}),
        package("2.0.0", {"/etc/cron.d/x": b"x"}),
        package("2.0.0", {"other_package/x.py": b"x"}),
        package("2.0.0", link="/etc/passwd"),
    ],
    ids=["dot-dot", "absolute", "outside kiosk_app", "symlink"],
)
def test_packages_of_the_wrong_shape_are_not_unpacked(slots, bad):
    with pytest.raises(SlotError):
        slots.unpack(bad, "B")
    assert not slots.slot_dir("B").exists() and slots.active_slot() == "A"


def test_a_package_without_a_version_is_refused(slots):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("kiosk_app/__init__.py")
        archive.addfile(info, io.BytesIO(b""))
    with pytest.raises(SlotError, match="VERSION"):
        slots.unpack(buffer.getvalue(), "B")
