"""The update agent inside the running kiosk app: a daemon thread that checks for a release every
UPDATE_CHECK_INTERVAL_S, downloads and verifies it in the background, and switches only when the app says it
is idle (the welcome screen, nobody mid-flow, the outbox empty); the switch asks the app to restart, and the
launcher (`python -m kiosk_app.updater launch`) runs the boot guard and the health check on the next start."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from kiosk_app.updater.agent import UpdateAgent, UpdateHooks
from kiosk_app.updater.slots import SlotStore
from kiosk_app.updater.verification import ReleaseVerifier

log = logging.getLogger(__name__)

UPDATE_CHECK_INTERVAL_S = 600


def open_update_agent(
    api_url: str, data_dir: Path, fleet_agent, *, is_idle: Callable[[], bool], restart: Callable[[], None], environ=None
) -> UpdateAgent | None:
    """The app's update agent, when the kiosk runs from slots under the launcher (CONGDAN_KIOSK_SLOTS set)
    and holds a trusted update root; None otherwise (a development run from a source tree)."""
    env = os.environ if environ is None else environ
    if fleet_agent is None or not env.get("CONGDAN_KIOSK_SLOTS"):
        return None
    slots = SlotStore(env["CONGDAN_KIOSK_SLOTS"])
    root = Path(env.get("CONGDAN_UPDATE_ROOT", data_dir / "update-root.json"))
    if not slots.current.is_symlink() or not root.is_file():
        log.warning("updates off: no slots in %s or no trusted root at %s", slots.root, root)
        return None
    verifier = ReleaseVerifier(data_dir, api_url, root.read_bytes())
    return UpdateAgent(
        slots, call=fleet_agent.channel.call, verifier=verifier, hooks=UpdateHooks(is_idle=is_idle, restart=restart)
    )


class UpdateWorker:
    BUSY_RETRY_S = 30  # a verified release waits for the kiosk to be idle: look again soon

    def __init__(self, agent: UpdateAgent, *, interval_s: float = UPDATE_CHECK_INTERVAL_S) -> None:
        self.agent, self.interval_s = agent, interval_s
        self.last = "nothing"
        self._stop = threading.Event()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name="kiosk-updates", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.BUSY_RETRY_S if self.last == "busy" else self.interval_s):
            self.run_once()

    def run_once(self) -> str:
        try:
            self.last = self.agent.check_once()
        except Exception as exc:  # the kiosk keeps serving patients whatever the update check meets
            log.warning("update check failed: %s", exc)
            self.last = "failed"
        return self.last
