"""Administrative units on a date. Until 30/6/2025: 63 provinces, districts and wards (codes per Decision
124/2004/QĐ-TTg, data/administrative_units.csv). From 1/7/2025: 34 provinces and 3,321 communes/wards with no
district level (Resolution 202/2025/QH15; Law on Organisation of Local Government 72/2025/QH15; the Standing
Committee's resolutions per province), data/units_2025.csv, and the official succession from each old unit to
its new one, data/successors_2025.csv (both generated from the `vietnamadminunits` package by
data/make_units_2025.py).

The registry stores the code of the unit valid when a record was made (pre-reorganisation codes in this data
set): this module names that place as it is on the day asked, and tells which stored codes an officer's
jurisdiction covers on that day. The 12-digit ID keeps its historical birth-registration province code.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from datetime import date
from importlib import resources

from backend.core.access import OFFICER, Principal
from backend.registry.reference import units_by_code

REORGANISED_ON = date(2025, 7, 1)  # two-level local government (Law 72/2025/QH15, Resolution 202/2025/QH15)


@dataclass(frozen=True)
class Place:
    """A ward named as on `as_of`: after the reorganisation, the successor ward and province (no district)."""

    ward_code: str  # the code valid on `as_of`
    ward_name: str
    district_name: str | None
    province_code: str
    province_name: str
    as_of: date


def _rows(name: str) -> list[dict]:
    with resources.files("backend.registry").joinpath(f"data/{name}").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def units_2025() -> dict[str, dict]:
    return {row["code"]: row for row in _rows("units_2025.csv")}


@functools.cache
def _successors() -> tuple[dict[str, str], dict[str, str]]:
    provinces, wards = {}, {}
    for row in _rows("successors_2025.csv"):
        (provinces if row["level"] == "province" else wards)[row["old_code"]] = row["new_code"]
    return provinces, wards


@functools.cache
def _predecessors() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    inverse: tuple[dict[str, set[str]], dict[str, set[str]]] = ({}, {})
    for index, mapping in enumerate(_successors()):
        for old, new in mapping.items():
            inverse[index].setdefault(new, set()).add(old)
    return ({k: frozenset(v) for k, v in inverse[0].items()}, {k: frozenset(v) for k, v in inverse[1].items()})


def province_after(old_province_code: str) -> str:
    """The province an old province became part of on 1/7/2025 (79 stays 79; 74 and 77 joined it)."""
    return _successors()[0].get(old_province_code, old_province_code)


def ward_after(old_ward_code: str) -> str | None:
    """The ward/commune an old ward became part of (for a divided ward, the one the mapping names first), or
    None when the source has no mapping (a ward merged away in an earlier round)."""
    return _successors()[1].get(old_ward_code)


def _old_place(ward_code: str, on: date) -> Place:
    names: dict[str, tuple[str, str]] = {}
    code: str | None = ward_code
    while code and (unit := units_by_code().get(code)):
        names[unit["level"]] = (unit["code"], unit["name"])
        code = unit["parent_code"]
    province_code, province_name = names.get("province", ("", ""))
    district = names.get("district")
    return Place(
        ward_code, names.get("ward", ("", ""))[1], district[1] if district else None, province_code, province_name, on
    )


def place_on(ward_code: str, on: date) -> Place:
    """Name the place a stored ward code denotes, with the units valid on `on`."""
    old = _old_place(ward_code, on)
    if on < REORGANISED_ON:
        return old
    province_code = province_after(old.province_code) if old.province_code else ""
    province_name = units_2025().get(province_code, {}).get("name", old.province_name)
    successor = ward_after(ward_code)
    if successor is None or successor not in units_2025():
        # No official successor known here: keep the old ward's name, marked, under today's province.
        return Place(
            ward_code,
            f"{old.ward_name} (trước 01/07/2025)" if old.ward_name else "",
            None,
            province_code,
            province_name,
            on,
        )
    return Place(successor, units_2025()[successor]["name"], None, province_code, province_name, on)


def jurisdiction(scope_code: str, on: date) -> frozenset[str]:
    """The stored unit codes an officer scoped to `scope_code` covers on `on`: before the reorganisation the
    unit itself; after it, every old unit that became part of the scope's successor (a Bến Nghé officer is a
    Sài Gòn ward officer; a province-79 officer also covers the former 74 and 77)."""
    if on < REORGANISED_ON:
        return frozenset({scope_code})
    province_predecessors, ward_predecessors = _predecessors()
    if len(scope_code) == 2:
        return frozenset({scope_code} | province_predecessors.get(province_after(scope_code), frozenset()))
    successor = ward_after(scope_code)
    if successor is None:
        return frozenset({scope_code})
    return frozenset({scope_code} | ward_predecessors.get(successor, frozenset()))


def covers(scope_code: str, unit_codes, on: date) -> bool:
    covered = jurisdiction(scope_code, on)
    return any(code in covered for code in unit_codes if code)


def officer_covers(principal: Principal, *unit_codes: str | None, on: date) -> bool:
    """An officer's jurisdiction (a province `PP` or a ward `WWWWW`) on `on` includes one of these unit
    codes. Callers pass every unit a record belongs to (its ward and that ward's province); since the
    1/7/2025 reorganisation a scope covers every old unit that became part of its successor.
    """
    if principal.role != OFFICER or not principal.scope_code:
        return False
    return covers(principal.scope_code, unit_codes, on)
