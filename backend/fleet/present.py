"""Shapes of fleet records for the API and the dashboard."""

from __future__ import annotations

from datetime import datetime

from backend.fleet.models import Alert, Command, ConfigurationProfile, EnrollmentCode
from backend.fleet.service import KioskView, enrollment_code_state
from shared_schemas.fleet import ENROLLMENT_QR_PREFIX, normalize_enrollment_code


def kiosk(view: KioskView) -> dict:
    k = view.kiosk
    devices = None
    if k.last_seen_at is not None:
        devices = {"card_reader": k.card_reader_state, "camera": k.camera_state, "printer": k.printer_state}
    return {
        "id": k.id,
        "hospital_code": k.hospital_code,
        "location_label": k.location_label,
        "status": k.status,
        "connectivity": view.connectivity,
        "last_seen_at": k.last_seen_at,
        "app_version": k.app_version,
        "uptime_s": k.uptime_s,
        "devices": devices,
        "paper_low": k.paper_low,
        "outbox_backlog": k.outbox_backlog,
        "last_error": k.last_error,
        "locked": k.locked,
        "config_version": k.config_version,
        "assigned_config_version": view.assigned_config_version,
        "enrolled_at": k.enrolled_at,
    }


def enrollment_code(record: EnrollmentCode, now: datetime, *, code: str | None = None) -> dict:
    shown = {
        "id": record.id,
        "code_hint": record.code_hint,
        "hospital_code": record.hospital_code,
        "location_label": record.location_label,
        "expires_at": record.expires_at,
        "used_at": record.used_at,
        "kiosk_id": record.kiosk_id,
        "state": enrollment_code_state(record, now),
    }
    if code is not None:
        shown["code"] = code
        shown["qr_text"] = ENROLLMENT_QR_PREFIX + normalize_enrollment_code(code)
    return shown


def command(record: Command) -> dict:
    return {
        "id": record.id,
        "kiosk_id": record.kiosk_id,
        "kind": record.kind,
        "params": record.params or {},
        "state": record.state,
        "created_at": record.created_at,
        "delivered_at": record.delivered_at,
        "completed_at": record.completed_at,
        "result": record.result,
    }


def profile(record: ConfigurationProfile) -> dict:
    return {
        "version": record.id,
        "hospital_code": record.hospital_code,
        "kiosk_id": record.kiosk_id,
        "settings": record.settings,
        "created_at": record.created_at,
    }


def alert(record: Alert, hospital_code: str) -> dict:
    return {
        "id": record.id,
        "kiosk_id": record.kiosk_id,
        "hospital_code": hospital_code,
        "kind": record.kind,
        "severity": record.severity,
        "detail": record.detail,
        "opened_at": record.opened_at,
        "resolved_at": record.resolved_at,
    }
