"""Update models: releases of the kiosk app, the TUF metadata that signs them, rollouts in waves, what each
kiosk reports about its update, and the append-only trail of every step."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class Release(Base):
    """One uploaded kiosk_app package (phiên bản phần mềm ki-ốt). Published as a TUF target on upload."""

    __tablename__ = "update_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(32), unique=True)
    target_name: Mapped[str] = mapped_column(sa.String(80), unique=True)  # kiosk_app-2.0.0.tar.gz
    sha256: Mapped[str] = mapped_column(sa.String(64))
    length: Mapped[int]
    package: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)  # loaded only when served
    notes: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    created_at: Mapped[datetime]


class TufMetadata(Base):
    """Every signed version of every TUF role, as served (kiosks walk root versions one by one)."""

    __tablename__ = "update_tuf_metadata"

    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(sa.Text)
    expires_at: Mapped[datetime]
    signed_at: Mapped[datetime]

    __table_args__ = (sa.CheckConstraint("role IN ('root', 'targets', 'snapshot', 'timestamp')", name="role"),)


class Rollout(Base):
    """A release going out in waves: the named canaries, then a share of each hospital, then everyone."""

    __tablename__ = "update_rollouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(sa.ForeignKey("update_releases.id"))
    state: Mapped[str] = mapped_column(sa.String(10), default="running")
    wave: Mapped[str] = mapped_column(sa.String(8), default="canary")
    canary_kiosk_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    share_percent: Mapped[int] = mapped_column(default=20)
    outside_clinic_hours: Mapped[bool] = mapped_column(default=True)
    not_before: Mapped[datetime]
    halted_reason: Mapped[str | None] = mapped_column(sa.String(300))
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        sa.CheckConstraint("state IN ('running', 'halted', 'stopped', 'completed')", name="state"),
        sa.CheckConstraint("wave IN ('canary', 'share', 'all')", name="wave"),
        sa.CheckConstraint("share_percent BETWEEN 1 AND 100", name="share_percent"),
    )


class KioskUpdate(Base):
    """What a kiosk last reported about its software: the version and slot it runs, and the state of the
    update it was offered (downloaded, switched, confirmed, rolled_back, refused)."""

    __tablename__ = "update_kiosk_states"

    kiosk_id: Mapped[str] = mapped_column(sa.ForeignKey("fleet_kiosks.id"), primary_key=True)
    running_version: Mapped[str] = mapped_column(sa.String(32))
    slot: Mapped[str] = mapped_column(sa.String(1))
    rollout_id: Mapped[int | None] = mapped_column(sa.ForeignKey("update_rollouts.id"))
    target_version: Mapped[str | None] = mapped_column(sa.String(32))
    state: Mapped[str] = mapped_column(sa.String(12))
    detail: Mapped[str | None] = mapped_column(sa.String(300))
    crashes: Mapped[int] = mapped_column(default=0)  # unclean starts since the switch (the boot guard counts)
    updated_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]


class UpdateEvent(Base):
    """The audit trail of updates: uploads, root signatures, rollout steps, kiosk reports, halts.
    Append-only (nothing updates or deletes rows)."""

    __tablename__ = "update_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(64))  # account:12 | kiosk:KSK-... | system | cli
    action: Mapped[str] = mapped_column(sa.String(24))
    release_id: Mapped[int | None] = mapped_column(sa.ForeignKey("update_releases.id"))
    rollout_id: Mapped[int | None] = mapped_column(sa.ForeignKey("update_rollouts.id"))
    kiosk_id: Mapped[str | None] = mapped_column(sa.String(12))
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
