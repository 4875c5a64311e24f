"""The fleet agent's command runner: a remote command (lock, unlock, reload, restart, flush, diagnostics) is
run only when the backend signed it for this kiosk and it has not expired; it runs once even when delivered
again (its result is remembered and reported again), and a forged command gets no answer at all."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from kiosk_app.services.fleet_identity import DeviceIdentity
from kiosk_app.services.fleet_transport import AgentRefused, FleetAgentError
from shared_schemas import fleet as contract
from shared_schemas.signed import unix_seconds

log = logging.getLogger(__name__)

API = "/api/v1/fleet"
_REMEMBERED_COMMANDS = 200


def _no_op(*_args, **_kwargs) -> str:
    return "ok"


@dataclass
class AgentHooks:
    """What the kiosk app plugs in. Each command hook returns a short result text or raises to fail."""

    vitals: Callable[[], dict] = lambda: {"devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"}}
    apply_configuration: Callable[[dict], None] = _no_op
    restart_app: Callable[[], str] = _no_op
    lock: Callable[[str | None], str] = _no_op
    unlock: Callable[[], str] = _no_op
    flush_outbox: Callable[[], str] = _no_op
    collect_diagnostics: Callable[[], str] = _no_op


class CommandRunner:
    """`hooks`, `verify` and `send` are callables looked up at each command, so the agent's hooks can be
    replaced after start-up (the app plugs its own in once it is built)."""

    def __init__(
        self,
        identity: DeviceIdentity,
        *,
        hooks: Callable[[], AgentHooks],
        verify: Callable[[str, str], dict],
        send: Callable[..., dict],
        clock: Callable[[], float],
    ) -> None:
        self.identity, self._hooks, self._verify, self._send, self._clock = identity, hooks, verify, send, clock

    def handle(self, delivered: dict) -> tuple[int, str, str]:
        command_id, kind = delivered.get("id"), delivered.get("kind")
        executed = self.identity.state["executed"]
        remembered = executed.get(str(command_id))
        if remembered is not None:  # redelivered (our acknowledgement was lost): report again, do not rerun
            status, detail = remembered
        else:
            try:
                claims = self._verify(delivered.get("token") or "", contract.COMMAND_TOKEN_TYPE)
                if claims.get("cmd") != command_id or claims.get("kind") != kind:
                    raise FleetAgentError("the signed command does not match the delivery")
                if not isinstance(claims.get("exp"), int) or claims["exp"] < unix_seconds(self._clock()):
                    raise FleetAgentError("the command has expired")
            except FleetAgentError as exc:
                log.warning("command %s refused: %s", command_id, exc)
                return command_id, kind, "refused"  # not acknowledged: a forged command gets no answer
            status, detail = self.run(kind, claims.get("params") or {})
            executed[str(command_id)] = [status, detail]
            if len(executed) > _REMEMBERED_COMMANDS:
                for key in sorted(executed, key=int)[:-_REMEMBERED_COMMANDS]:
                    del executed[key]
            self.identity.save()
        try:
            self._send(
                "POST", f"{API}/device/commands/{command_id}/result", {"status": status, "detail": detail[:2000]}
            )
        except AgentRefused as exc:
            if exc.status != 409:  # 409: already recorded
                raise
        return command_id, kind, status

    def run(self, kind: str, params: dict) -> tuple[str, str]:
        hooks, state = self._hooks(), self.identity.state
        try:
            if kind == "lock":
                detail = hooks.lock(params.get("message"))
                state.update(locked=True, lock_message=params.get("message"))
            elif kind == "unlock":
                detail = hooks.unlock()
                state.update(locked=False, lock_message=None)
            elif kind == "reload_config":
                detail = f"running v{state['config_version']}"
            elif kind == "restart_app":
                detail = hooks.restart_app()
            elif kind == "flush_outbox":
                detail = hooks.flush_outbox()
            elif kind == "collect_diagnostics":
                detail = hooks.collect_diagnostics()
            else:
                return "failed", f"unknown command {kind!r}"
        except Exception as exc:
            log.exception("command %s failed", kind)
            return "failed", f"{type(exc).__name__}: {exc}"
        return "succeeded", str(detail or "ok")
