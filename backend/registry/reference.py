"""Shipped reference data: administrative units (a real subset, codes per Decision 124/2004/QĐ-TTg,
as they stood before the 2025 reorganisation)."""

from __future__ import annotations

import csv
import functools
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.registry.models import AdministrativeUnit


@functools.cache
def administrative_units() -> tuple[dict, ...]:
    path = resources.files("backend.registry").joinpath("data/administrative_units.csv")
    with path.open(encoding="utf-8") as fh:
        return tuple({**row, "parent_code": row["parent_code"] or None} for row in csv.DictReader(fh))


@functools.cache
def units_by_code() -> dict[str, dict]:
    return {row["code"]: row for row in administrative_units()}


def sync_administrative_units(*, session: Session) -> int:
    """Insert units that are missing and rename changed ones; returns how many rows changed."""
    existing = {u.code: u for u in session.scalars(sa.select(AdministrativeUnit))}
    changed = 0
    # Parents first, so foreign keys hold on every backend.
    order = {"province": 0, "district": 1, "ward": 2}
    for row in sorted(administrative_units(), key=lambda r: order[r["level"]]):
        unit = existing.get(row["code"])
        if unit is None:
            session.add(AdministrativeUnit(**row))
            session.flush()
            changed += 1
        elif unit.name != row["name"]:
            unit.name = row["name"]
            changed += 1
    return changed
