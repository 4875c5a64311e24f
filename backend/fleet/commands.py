"""Remote commands for one kiosk (lock, unlock, restart, reload configuration, ...): queued here, signed for
that kiosk, delivered with its heartbeat replies until it acknowledges them (backend/fleet/device.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.access import Principal
from backend.errors import Conflict
from backend.fleet.keys import fleet_keys
from backend.fleet.kiosk_directory import fleet_changed
from backend.fleet.lookups import get_kiosk, require_admin
from backend.fleet.models import Command
from backend.fleet.settings import fleet_setting
from shared_schemas import fleet as contract
from shared_schemas.signed import sign_compact


def queue_command(
    *, session: Session, principal: Principal, kiosk_id: str, kind: str, message: str | None, now: datetime
) -> Command:
    require_admin(principal)
    kiosk = get_kiosk(session, kiosk_id)
    if kiosk.status != "active":
        raise Conflict(f"Kiosk {kiosk.id} is {kiosk.status}; it takes no commands.")
    params = {"message": message} if (kind == "lock" and message) else {}
    expires_at = now + timedelta(hours=fleet_setting("FLEET_COMMAND_TTL_HOURS"))
    command = Command(
        kiosk_id=kiosk.id,
        kind=kind,
        params=params,
        token="",
        state="queued",
        created_by=principal.account_id,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(command)
    session.flush()
    fleet_changed(session)  # every worker's directory must learn that this kiosk has a command waiting
    key = fleet_keys().current
    command.token = sign_compact(
        {
            "iss": "congdan",
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "kiosk": kiosk.id,
            "cmd": command.id,
            "kind": kind,
            "params": params,
        },
        key.private,
        key.kid,
        contract.COMMAND_TOKEN_TYPE,
    )
    return command


def list_commands(*, session: Session, principal: Principal, kiosk_id: str, limit: int = 50) -> list[Command]:
    require_admin(principal)
    get_kiosk(session, kiosk_id)
    return list(
        session.scalars(sa.select(Command).where(Command.kiosk_id == kiosk_id).order_by(Command.id.desc()).limit(limit))
    )
