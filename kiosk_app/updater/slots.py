"""The kiosk's two installation slots (A and B) and the switch between them. `current` is a symlink to the
slot the kiosk runs; switching replaces it with rename(2), which is atomic, so a power cut leaves it on one
slot or the other, never on neither. `state.json` (written to a temporary file, fsynced, renamed) journals an
update in progress: the boot guard reads it at every start and falls back to the previous slot when the new
one was not confirmed healthy within MAX_UNCONFIRMED_STARTS starts."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

SLOTS = ("A", "B")
MAX_UNCONFIRMED_STARTS = 3
MAX_ENTRIES = 2000
MAX_UNPACKED_BYTES = 128 * 1024 * 1024
PACKAGE_ROOT = "kiosk_app"


class SlotError(Exception):
    """The slots are unusable or a package does not have the expected shape."""


@dataclass(frozen=True)
class BootDecision:
    slot: str
    version: str
    pending: bool  # the slot runs an update not yet confirmed: run the health check
    rolled_back: str | None = None  # why the guard fell back, if it did


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


class SlotStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.current = self.root / "current"
        self.state_path = self.root / "state.json"

    # --- layout ------------------------------------------------------------------------------------------
    def slot_dir(self, slot: str) -> Path:
        return self.root / "slots" / slot

    def active_slot(self) -> str:
        target = os.readlink(self.current)
        slot = Path(target).name
        if slot not in SLOTS:
            raise SlotError(f"current points at {target!r}")
        return slot

    def other(self, slot: str) -> str:
        return "B" if slot == "A" else "A"

    def version_of(self, slot: str) -> str:
        path = self.slot_dir(slot) / PACKAGE_ROOT / "VERSION"
        return path.read_text(encoding="ascii").strip() if path.is_file() else "0.0.0"

    def state(self) -> dict:
        if not self.state_path.exists():
            return {"pending": None, "last_result": None}
        return json.loads(self.state_path.read_text(encoding="utf-8"))

    def save_state(self, state: dict) -> None:
        _write_atomically(self.state_path, json.dumps(state, sort_keys=True))

    def initialise(self, package: bytes) -> None:
        """First installation (the kiosk image): the package into slot A, `current` on it."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.current.is_symlink():
            return
        self.unpack(package, "A")
        self._point_current_at("A")
        self.save_state({"pending": None, "last_result": None})

    # --- installing --------------------------------------------------------------------------------------
    def unpack(self, package: bytes, slot: str) -> str:
        """Unpack a (verified) package into `slot`, replacing what was there; returns its version. The slot
        is built beside its final place and renamed in, so a half-written slot never carries the slot's name."""
        staging = self.root / "slots" / f".{slot}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(package), mode="r:gz") as archive:
            members = _checked_members(archive)
            archive.extractall(staging, members=members, filter="data")
        version = (staging / PACKAGE_ROOT / "VERSION").read_text(encoding="ascii").strip()
        for folder, _dirs, files in os.walk(staging):
            for name in files:
                with open(Path(folder) / name, "rb") as handle:
                    os.fsync(handle.fileno())
        target = self.slot_dir(slot)
        if target.exists():
            shutil.rmtree(target)
        os.rename(staging, target)
        _fsync_dir(target.parent)
        return version

    def _point_current_at(self, slot: str) -> None:
        link = self.root / ".current.tmp"
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(Path("slots") / slot, link)
        os.replace(link, self.current)  # rename(2): atomic
        _fsync_dir(self.root)

    def switch_to(self, slot: str, *, version: str, rollout_id: int | None) -> None:
        """Journal the update, then switch `current` to the freshly unpacked slot."""
        previous = self.active_slot()
        state = self.state()
        state["pending"] = {
            "slot": slot,
            "previous": previous,
            "version": version,
            "rollout_id": rollout_id,
            "starts": 0,
        }
        self.save_state(state)
        self._point_current_at(slot)

    # --- after a start -----------------------------------------------------------------------------------
    def boot(self) -> BootDecision:
        """The boot guard, run first at every start: count the start of an unconfirmed slot, fall back
        after too many, and forget an update whose switch never happened."""
        state, active = self.state(), self.active_slot()
        pending = state.get("pending")
        if pending and pending["slot"] != active:
            # Cut off between the journal and the switch: the old slot still runs, nothing to undo.
            state["pending"] = None
            state["last_result"] = {
                "state": "failed",
                "version": pending["version"],
                "detail": "interrupted before the switch",
            }
            self.save_state(state)
            pending = None
        if not pending:
            return BootDecision(active, self.version_of(active), pending=False)
        pending["starts"] += 1
        self.save_state(state)  # counted before anything else runs: a crash in this start counts too
        if pending["starts"] > MAX_UNCONFIRMED_STARTS:
            reason = f"not confirmed healthy after {MAX_UNCONFIRMED_STARTS} starts"
            self.roll_back(reason)
            slot = self.active_slot()
            return BootDecision(slot, self.version_of(slot), pending=False, rolled_back=reason)
        return BootDecision(active, pending["version"], pending=True)

    def confirm(self) -> dict:
        state = self.state()
        pending = state["pending"]
        state["pending"] = None
        state["last_result"] = {
            "state": "confirmed",
            "version": pending["version"],
            "rollout_id": pending["rollout_id"],
            "crashes": pending["starts"] - 1,
            "detail": None,
        }
        self.save_state(state)
        return state["last_result"]

    def roll_back(self, reason: str) -> dict:
        state = self.state()
        pending = state["pending"]
        self._point_current_at(pending["previous"])
        state["pending"] = None
        state["last_result"] = {
            "state": "rolled_back",
            "version": pending["version"],
            "rollout_id": pending["rollout_id"],
            "crashes": max(0, pending["starts"] - 1),
            "detail": reason[:300],
        }
        self.save_state(state)
        log.warning("rolled back from %s to slot %s: %s", pending["version"], pending["previous"], reason)
        return state["last_result"]


def _checked_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members, unpacked = [], 0
    for member in archive:
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or path.parts[:1] != (PACKAGE_ROOT,):
            raise SlotError(f"unexpected path in the package: {member.name[:80]!r}")
        if not (member.isfile() or member.isdir()):
            raise SlotError("links and special files are not allowed in a package")
        unpacked += member.size
        members.append(member)
        if len(members) > MAX_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
            raise SlotError("the package is larger than a kiosk_app can be")
    if not any(m.name == f"{PACKAGE_ROOT}/VERSION" for m in members):
        raise SlotError("the package has no kiosk_app/VERSION")
    return members
