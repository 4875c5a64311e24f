"""Kiosk fleet models: enrolled kiosks (ki-ốt) and their keys, enrollment codes, configuration profiles,
remote commands, request nonces (replay refusal), telemetry buckets and alerts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class EnrollmentCode(Base):
    """A single-use code a fleet admin hands to one new kiosk. Only its hash is stored."""

    __tablename__ = "fleet_enrollment_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code_hint: Mapped[str] = mapped_column(sa.String(4))  # last characters, to tell codes apart in a list
    hospital_code: Mapped[str] = mapped_column(sa.ForeignKey("hospitals.code"))
    location_label: Mapped[str] = mapped_column(sa.String(100))
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    kiosk_id: Mapped[str | None] = mapped_column(sa.String(12))


class Kiosk(Base):
    """An enrolled kiosk: its device key, its account (role kiosk, scoped to its hospital) and its last
    reported vitals. Older vitals and job metrics live in MetricBucket."""

    __tablename__ = "fleet_kiosks"

    id: Mapped[str] = mapped_column(sa.String(12), primary_key=True)  # KSK-0123ABCD
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), unique=True)
    hospital_code: Mapped[str] = mapped_column(sa.ForeignKey("hospitals.code"), index=True)
    location_label: Mapped[str] = mapped_column(sa.String(100))
    public_key: Mapped[str] = mapped_column(sa.String(43), unique=True)  # raw Ed25519, base64url
    serial_number: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(sa.String(200))
    token_family_id: Mapped[str | None] = mapped_column(sa.String(32))
    enrolled_at: Mapped[datetime]

    last_seen_at: Mapped[datetime | None]
    app_version: Mapped[str | None] = mapped_column(sa.String(32))
    uptime_s: Mapped[int | None]
    card_reader_state: Mapped[str | None] = mapped_column(sa.String(10))
    camera_state: Mapped[str | None] = mapped_column(sa.String(10))
    printer_state: Mapped[str | None] = mapped_column(sa.String(10))
    paper_low: Mapped[bool] = mapped_column(default=False)
    outbox_backlog: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    locked: Mapped[bool] = mapped_column(default=False)
    config_version: Mapped[int | None]  # what the kiosk says it runs

    __table_args__ = (sa.CheckConstraint("status IN ('active', 'suspended', 'decommissioned')", name="status"),)


class ConfigurationProfile(Base):
    """One immutable version of a profile for a hospital or for one kiosk. The row id is the version
    number: a kiosk runs its own latest profile, else its hospital's latest, else the built-in default (0)."""

    __tablename__ = "fleet_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_code: Mapped[str | None] = mapped_column(sa.ForeignKey("hospitals.code"), index=True)
    kiosk_id: Mapped[str | None] = mapped_column(sa.ForeignKey("fleet_kiosks.id"), index=True)
    settings: Mapped[dict] = mapped_column(sa.JSON)
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    created_at: Mapped[datetime]

    __table_args__ = (sa.CheckConstraint("(hospital_code IS NULL) <> (kiosk_id IS NULL)", name="one_target"),)


class Command(Base):
    """A remote command queued for one kiosk, delivered with heartbeat replies until acknowledged."""

    __tablename__ = "fleet_commands"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(sa.ForeignKey("fleet_kiosks.id"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    token: Mapped[str] = mapped_column(sa.Text)  # the command as signed for the kiosk (JWS)
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.Index("ix_fleet_commands_kiosk_id_state", "kiosk_id", "state"),
        sa.CheckConstraint("state IN ('queued', 'delivered', 'succeeded', 'failed', 'expired')", name="state"),
    )


class RequestNonce(Base):
    """Nonces of signed kiosk requests seen inside the accepted clock window: a second use is a replay."""

    __tablename__ = "fleet_request_nonces"

    kiosk_id: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class MetricBucket(Base):
    """Job metrics and vitals summed per kiosk over 5 minutes ('m5'); older detail is rolled up into
    hours ('h1'). Integer columns keep rates summable in SQL; step timings are small JSON maps."""

    __tablename__ = "fleet_metric_buckets"

    kiosk_id: Mapped[str] = mapped_column(sa.ForeignKey("fleet_kiosks.id"), primary_key=True)
    resolution: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    start: Mapped[datetime] = mapped_column(primary_key=True)
    heartbeats: Mapped[int] = mapped_column(default=0)
    chip_attempted: Mapped[int] = mapped_column(default=0)
    chip_succeeded: Mapped[int] = mapped_column(default=0)
    cccd_qr_attempted: Mapped[int] = mapped_column(default=0)
    cccd_qr_succeeded: Mapped[int] = mapped_column(default=0)
    signed_qr_attempted: Mapped[int] = mapped_column(default=0)
    signed_qr_succeeded: Mapped[int] = mapped_column(default=0)
    id_and_dob_attempted: Mapped[int] = mapped_column(default=0)
    id_and_dob_succeeded: Mapped[int] = mapped_column(default=0)
    checkins_completed: Mapped[int] = mapped_column(default=0)
    step_ms: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # step -> [count, total_ms]
    outbox_max: Mapped[int] = mapped_column(default=0)
    paper_low_heartbeats: Mapped[int] = mapped_column(default=0)


class Alert(Base):
    """Something a fleet admin should look at. At most one open alert per kiosk and kind (kept by the
    service); resolving stamps resolved_at."""

    __tablename__ = "fleet_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(sa.ForeignKey("fleet_kiosks.id"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    severity: Mapped[str] = mapped_column(sa.String(8))  # warning | critical
    detail: Mapped[str] = mapped_column(sa.String(200))
    opened_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    # A person looking at it ("acknowledged") and closing it with a note; a heartbeat that clears the
    # condition resolves it without a person (resolved_by stays empty).
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    note: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (sa.Index("ix_fleet_alerts_kiosk_id_resolved_at", "kiosk_id", "resolved_at"),)


class FleetRevision(Base):
    """One row whose counter goes up whenever a kiosk's status, commands or profile change. Every app worker
    caches kiosk keys and state (backend/fleet/kiosk_directory.py) and drops the cache when it sees the
    counter move, so a suspension reaches all workers within seconds without a lookup per heartbeat."""

    __tablename__ = "fleet_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
