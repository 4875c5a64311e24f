"""The kiosk app's side of fleet management: enrolling this kiosk once (`python -m kiosk_app --enroll CODE`),
opening its fleet agent when it is enrolled, access tokens for the check-in API signed with the device key,
and the agent's hooks. Hooks run on the agent's thread: whatever touches the UI is posted to the main
thread (Kivy's @mainthread); no Kivy import here at module level, so enrolling needs no display."""

from __future__ import annotations

import json
import platform
import shutil
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from kiosk_app.services.api import ApiRefused, ApiUnavailable
from kiosk_app.services.fleet_agent import (
    STATE_FILE,
    AgentHooks,
    AgentRefused,
    AgentUnavailable,
    FleetAgent,
    NotEnrolled,
    RequestsTransport,
)


def app_version() -> str:
    """The version of the kiosk_app actually imported: its VERSION file (a slot's package carries its own),
    else the installed distribution's."""
    shipped = Path(__file__).resolve().parents[1] / "VERSION"
    if shipped.is_file():
        return shipped.read_text(encoding="ascii").strip()
    try:
        return metadata.version("congdan")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def enrolled_state(data_dir: Path | str) -> dict | None:
    """The stored fleet identity when this kiosk has enrolled, else None (nothing is created here)."""
    path = Path(data_dir) / STATE_FILE
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    return state if state.get("kiosk_id") else None


def enroll(api_url: str, data_dir: Path | str, code: str, *, transport=None, serial_number: str | None = None) -> dict:
    """Spend an enrollment code: a device key is made (once) in `data_dir` and registered with the backend."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    agent = FleetAgent(data_dir, transport=transport or RequestsTransport(api_url), app_version=app_version())
    return agent.enroll(code, serial_number=serial_number)


def open_agent(api_url: str, data_dir: Path | str, *, transport=None) -> FleetAgent | None:
    """The fleet agent of an enrolled kiosk; None for a kiosk that never enrolled (it uses a password)."""
    if enrolled_state(data_dir) is None:
        return None
    return FleetAgent(data_dir, transport=transport or RequestsTransport(api_url), app_version=app_version())


class DeviceTokens:
    """ApiClient's token source on an enrolled kiosk: the agent signs a server challenge with the device
    key. Agent failures become the API client's own, so a backend that cannot be reached still means
    "offline" to the check-in service."""

    def __init__(self, agent: FleetAgent) -> None:
        self.agent = agent

    def __call__(self) -> str:
        try:
            token, _expires_in = self.agent.device_token()
        except AgentUnavailable as exc:
            raise ApiUnavailable(str(exc)) from exc
        except AgentRefused as exc:
            raise ApiRefused(exc.status, exc.problem) from exc
        except NotEnrolled as exc:
            raise ApiRefused(401, {"detail": str(exc)}) from exc
        return token


def _post_to_ui(function: Callable, *args) -> None:
    from kivy.clock import mainthread

    mainthread(function)(*args)


def fleet_hooks_post(function: Callable, *args) -> None:
    """Run `function` on the UI thread (for callers on the agent's or the updater's thread)."""
    _post_to_ui(function, *args)


def fleet_hooks(
    app, *, checkin, metrics, diagnostics: Callable[[], str], post: Callable[..., None] = _post_to_ui
) -> AgentHooks:
    """What the agent does for each remote command. `app` is the KioskApp (lock, unlock, apply_settings,
    request_restart, update_status); tests pass a synchronous `post`."""

    def lock(message: str | None) -> str:
        post(app.lock, message)
        return "out-of-service screen shown"

    def unlock() -> str:
        post(app.unlock)
        return "back in service"

    def apply_configuration(settings: dict) -> None:
        post(app.apply_settings, settings)

    def flush_outbox() -> str:
        synced = checkin.sync()  # on the agent's thread: it blocks on the network, never the UI
        post(app.update_status, checkin)
        return f"{synced} check-ins synced, {checkin.outbox.pending_count()} waiting"

    def restart_app() -> str:
        post(app.request_restart)
        return "restarting as soon as no patient is at the kiosk"

    return AgentHooks(
        vitals=lambda: metrics.vitals(outbox_backlog=checkin.outbox.pending_count()),
        apply_configuration=apply_configuration,
        restart_app=restart_app,
        lock=lock,
        unlock=unlock,
        flush_outbox=flush_outbox,
        collect_diagnostics=diagnostics,
    )


def diagnostics_report(*, config, checkin, metrics, agent: FleetAgent | None) -> str:
    """A short text for the fleet admin (the command result holds 2,000 characters): versions, settings,
    connectivity, outbox, devices and free disk. No personal data: the outbox is counted, not listed."""
    refused = len(checkin.outbox.entries("refused"))
    disk = shutil.disk_usage(config.data_dir)
    hardware = config.hardware
    lines = [
        f"app {app_version()} · python {platform.python_version()} · {platform.platform(terse=True)}",
        f"kiosk {agent.kiosk_id if agent else '-'} · config v{agent.config_version if agent else '-'} "
        f"· hospital {checkin.hospital_code}",
        f"backend {config.api_url} · {'online' if checkin.online else 'offline'}",
        f"outbox: {checkin.outbox.pending_count()} pending, {refused} refused",
        "devices: "
        + " ".join(
            f"{name}={getattr(getattr(hardware, name), 'kind', '-')}" for name in ("camera", "card_reader", "printer")
        ),
        f"vitals: {json.dumps(metrics.vitals(), ensure_ascii=False)}",
        f"disk: {disk.free // 2**20} MiB free of {disk.total // 2**20} MiB in {config.data_dir}",
        f"argv: {' '.join(sys.argv[1:]) or '-'}",
    ]
    return "\n".join(lines)
