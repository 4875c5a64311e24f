"""The kiosk's update agent: asks the fleet (a signed request) whether a release is due, fetches and verifies
it with TUF in the background, installs it into the spare slot, and switches only when no patient is mid-flow
and the outbox is empty; after the restart it runs the health check (the slot's own selfcheck, then a heartbeat
that the backend accepts) and confirms the slot, or switches back and reports why."""

from __future__ import annotations

import json
import logging
import os
import subprocess  # nosec B404
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk_app.updater.slots import BootDecision, SlotError, SlotStore
from kiosk_app.updater.verification import ReleaseVerifier, UpdateRefused

log = logging.getLogger(__name__)

CHECK_PATH = "/api/v1/fleet/updates/device/check"
SELFCHECK_TIMEOUT_S = 120


@dataclass
class UpdateHooks:
    """What the agent needs from the kiosk app."""

    is_idle: Callable[[], bool] = lambda: True  # no patient mid-flow and the outbox empty
    heartbeat: Callable[[str], bool] = lambda version: True  # a heartbeat as `version`; True when accepted
    restart: Callable[[], None] = lambda: None  # restart the app from `current`
    extra_env: dict[str, str] = field(default_factory=dict)  # for the selfcheck (e.g. the simulator PKI)


def _base_paths() -> list[str]:
    """Where the parts a slot does not carry (hardware, shared_schemas, the libraries) are imported from."""
    import hardware
    import shared_schemas

    return sorted({str(Path(m.__file__).resolve().parents[1]) for m in (hardware, shared_schemas)})


class UpdateAgent:
    def __init__(
        self,
        slots: SlotStore,
        *,
        call: Callable[[str, str, dict], dict],
        verifier: ReleaseVerifier,
        hooks: UpdateHooks | None = None,
    ) -> None:
        self.slots, self.call, self.verifier = slots, call, verifier
        self.hooks = hooks or UpdateHooks()

    # --- talking to the fleet ----------------------------------------------------------------------------
    def report(self, state: str | None = None, **fields) -> dict:
        """Send what runs and how the last update went; the reply is the offer (or all-None)."""
        slot = self.slots.active_slot()
        last = self.slots.state().get("last_result") or {}
        body = {
            "running_version": self.slots.version_of(slot),
            "slot": slot,
            "state": state or last.get("state") or "idle",
            "rollout_id": last.get("rollout_id"),
            "target_version": last.get("version"),
            "detail": last.get("detail"),
            "crashes": last.get("crashes", 0),
        }
        body.update(fields)
        return self.call("POST", CHECK_PATH, body)

    # --- one update cycle --------------------------------------------------------------------------------
    def check_once(self) -> str:
        """Report, and install an offered release when it verifies and the kiosk is idle. Returns what
        happened: "nothing", "refused", "busy" (verified, waiting for an idle kiosk) or "switched" (the app
        must restart; the hook was called)."""
        if self.slots.state().get("pending"):
            return "nothing"  # an installed update awaits its health check first
        offer = self.report()
        if not offer.get("target_name"):
            return "nothing"
        running = self.slots.version_of(self.slots.active_slot())
        details = {"rollout_id": offer["rollout_id"], "target_version": offer["version"]}
        try:
            package = self.verifier.fetch(
                offer["target_name"], offered_version=offer["version"], running_version=running
            )
        except UpdateRefused as refused:
            log.warning("update %s refused: %s", offer["version"], refused)
            self.report("refused", detail=str(refused)[:300], **details)
            return "refused"
        self.report("downloaded", detail=None, **details)
        if not self.hooks.is_idle():
            return "busy"
        return self.install(package, rollout_id=offer["rollout_id"])

    def install(self, package: bytes, *, rollout_id: int | None) -> str:
        spare = self.slots.other(self.slots.active_slot())
        try:
            version = self.slots.unpack(package, spare)
        except (SlotError, OSError) as exc:
            self.report("failed", detail=f"install: {exc}"[:300], rollout_id=rollout_id)
            return "refused"
        self.slots.switch_to(spare, version=version, rollout_id=rollout_id)
        log.info("switched to slot %s (%s); restarting", spare, version)
        self.hooks.restart()
        return "switched"

    # --- after a start -----------------------------------------------------------------------------------
    def after_start(self, decision: BootDecision) -> str:
        """Run the health check of an unconfirmed slot; confirm it or switch back. Returns "confirmed",
        "rolled_back" (the hook restarts the app on the previous slot) or "running"."""
        if decision.rolled_back:
            self._tell_fleet()
            return "rolled_back"
        if not decision.pending:
            return "running"
        problem = self.health_problem(decision)
        if problem is None:
            self.slots.confirm()
            self._tell_fleet()
            return "confirmed"
        self.slots.roll_back(problem)
        self._tell_fleet()
        self.hooks.restart()
        return "rolled_back"

    def _tell_fleet(self) -> None:
        try:
            self.report()
        except Exception as exc:  # the fleet hears it at the next check; the kiosk must keep running
            log.warning("could not report the update result: %s", exc)

    def health_problem(self, decision: BootDecision) -> str | None:
        slot_dir = self.slots.slot_dir(decision.slot)
        env = {**os.environ, **self.hooks.extra_env}
        env["PYTHONPATH"] = os.pathsep.join([str(slot_dir), *_base_paths()])
        try:
            # Our interpreter on our own module (fixed argv, no shell). cwd = the slot, so that its kiosk_app
            # is the one imported (sys.path[0] is the working folder).
            done = subprocess.run(  # nosec B603
                [sys.executable, "-m", "kiosk_app.updater.selfcheck"],
                cwd=slot_dir,
                env=env,
                capture_output=True,
                text=True,
                timeout=SELFCHECK_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"the health check did not finish in {SELFCHECK_TIMEOUT_S} s"
        lines = done.stdout.strip().splitlines()
        try:
            result = json.loads(lines[-1]) if lines else {}
        except ValueError:
            result = {}
        if done.returncode != 0 or not result.get("ok"):
            return f"health check failed: {result.get('error') or done.stderr.strip()[-200:] or done.returncode}"
        if result.get("version") != decision.version:
            return f"the slot ran {result.get('version')!r}, not {decision.version!r}"
        try:
            accepted = self.hooks.heartbeat(decision.version)
        except Exception as exc:  # any failure to heartbeat fails the health check
            accepted, reason = False, str(exc)
        else:
            reason = "refused"
        if not accepted:
            return f"no heartbeat accepted after the update ({reason})"[:300]
        return None
