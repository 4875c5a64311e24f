"""`python -m kiosk_app.updater COMMAND`: the kiosk's update commands (no Kivy).

  install-initial PACKAGE   the kiosk image: unpack a release into slot A and point `current` at it
  launch [--no-exec]        at every start (the kiosk's service runs this): the boot guard, the health check
                            of a newly switched slot (confirm it or switch back), then the kiosk app from
                            `current` (--no-exec: stop there; exit 0 confirmed/running, 4 rolled back)
  check                     one update check: report to the fleet, fetch and verify an offered release,
                            install it into the spare slot and switch when the kiosk is idle (exit 3: the
                            service must restart the app; 0 otherwise)

Settings (environment): CONGDAN_API_URL, CONGDAN_KIOSK_DATA (the enrolled fleet identity), CONGDAN_KIOSK_SLOTS
(default <data>/software), CONGDAN_UPDATE_ROOT (the root.json shipped with the image, the TUF trust anchor).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from kiosk_app.services.fleet_link import open_agent
from kiosk_app.services.outbox import Outbox
from kiosk_app.updater.agent import UpdateAgent, UpdateHooks
from kiosk_app.updater.slots import SlotStore
from kiosk_app.updater.verification import ReleaseVerifier

RESTART_EXIT_CODE, ROLLED_BACK_EXIT_CODE = 3, 4
log = logging.getLogger("kiosk_app.updater")


def _settings() -> tuple[str, Path, Path, Path]:
    api_url = os.environ.get("CONGDAN_API_URL", "http://127.0.0.1:5000")
    data_dir = Path(os.environ.get("CONGDAN_KIOSK_DATA", Path.home() / ".congdan-kiosk"))
    slots_dir = Path(os.environ.get("CONGDAN_KIOSK_SLOTS", data_dir / "software"))
    root_json = Path(os.environ.get("CONGDAN_UPDATE_ROOT", data_dir / "update-root.json"))
    return api_url, data_dir, slots_dir, root_json


def build_agent(version: str | None = None) -> tuple[UpdateAgent, SlotStore]:
    api_url, data_dir, slots_dir, root_json = _settings()
    slots = SlotStore(slots_dir)
    fleet = open_agent(api_url, data_dir)
    if fleet is None:
        raise SystemExit("this kiosk is not enrolled: python -m kiosk_app --enroll CODE")
    outbox_path = data_dir / "outbox.sqlite3"

    def heartbeat(running: str) -> bool:
        fleet.app_version = running
        return fleet.heartbeat().accepted

    def is_idle() -> bool:
        # Run outside the app (the app is stopped, e.g. in the night window): only the outbox can be busy.
        return not outbox_path.exists() or Outbox(outbox_path).pending_count() == 0

    hooks = UpdateHooks(is_idle=is_idle, heartbeat=heartbeat, restart=lambda: None)
    verifier = ReleaseVerifier(data_dir, api_url, root_json.read_bytes())
    return UpdateAgent(slots, call=fleet.channel.call, verifier=verifier, hooks=hooks), slots


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m kiosk_app.updater")
    commands = parser.add_subparsers(dest="command", required=True)
    initial = commands.add_parser("install-initial")
    initial.add_argument("package", type=Path)
    launch = commands.add_parser("launch")
    launch.add_argument("--no-exec", action="store_true")
    commands.add_parser("check")
    options = parser.parse_args(argv)

    if options.command == "install-initial":
        SlotStore(_settings()[2]).initialise(options.package.read_bytes())
        return 0
    agent, slots = build_agent()
    if options.command == "check":
        outcome = agent.check_once()
        log.info("update check: %s", outcome)
        return RESTART_EXIT_CODE if outcome == "switched" else 0
    decision = slots.boot()
    outcome = agent.after_start(decision)
    log.info("started slot %s (%s): %s", slots.active_slot(), slots.version_of(slots.active_slot()), outcome)
    if options.no_exec:
        return ROLLED_BACK_EXIT_CODE if outcome == "rolled_back" else 0
    current = slots.current.resolve()
    os.chdir(current)  # the slot's kiosk_app comes first on sys.path
    os.execv(sys.executable, [sys.executable, "-m", "kiosk_app"])  # nosec B606
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
