"""The shipped violation catalogue (hành vi vi phạm): a subset of Decree 168/2024/NĐ-CP, read from
data/violations.csv, each entry dated (in force from 1/1/2025) and citing its article. A violation is decided by
the catalogue in force on the day it was committed (Law on Handling Administrative Violations Art. 156). Figures
are to be checked against the decree's text before deployment."""

from __future__ import annotations

import csv
import functools
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from backend.traffic.rules import FineRange
from shared_schemas.text import fold

CATALOGUE_FILE = Path(__file__).parent / "data" / "violations.csv"


@dataclass(frozen=True)
class Violation:
    code: str
    vehicle_class: str  # car | motorbike
    description_vi: str
    description_en: str
    legal_basis: str
    fine: FineRange
    points: int
    suspension_months_min: int
    suspension_months_max: int
    effective_from: date

    @property
    def suspends(self) -> bool:
        return self.suspension_months_max > 0

    @property
    def fine_min(self) -> int:
        return self.fine.minimum

    @property
    def fine_max(self) -> int:
        return self.fine.maximum


@functools.cache
def catalogue() -> dict[str, Violation]:
    with CATALOGUE_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    entries = {}
    for row in rows:
        entry = Violation(
            code=row["code"],
            vehicle_class=row["vehicle_class"],
            description_vi=row["description_vi"],
            description_en=row["description_en"],
            legal_basis=row["legal_basis"],
            fine=FineRange(int(row["fine_min"]), int(row["fine_max"])),
            points=int(row["points"]),
            suspension_months_min=int(row["suspension_months_min"]),
            suspension_months_max=int(row["suspension_months_max"]),
            effective_from=date.fromisoformat(row["effective_from"]),
        )
        # The data is the law as we apply it: refuse to start with an entry that contradicts the rules.
        if not (
            0 < entry.fine.minimum <= entry.fine.maximum
            and 0 <= entry.points <= 12
            and 0 <= entry.suspension_months_min <= entry.suspension_months_max <= 24
            and entry.vehicle_class in ("car", "motorbike")
            and entry.code not in entries
        ):
            raise ValueError(f"violation catalogue entry {entry.code} is inconsistent")
        entries[entry.code] = entry
    return entries


def find(code: str) -> Violation | None:
    """The entry for a code, whatever its date (to describe decisions already made)."""
    return catalogue().get(code)


def in_force(code: str, on: date) -> Violation | None:
    """The entry a violation committed on `on` is decided by, or None when no entry is in force that day."""
    entry = catalogue().get(code)
    return entry if entry is not None and entry.effective_from <= on else None


def search(text: str, on: date, limit: int = 30) -> list[Violation]:
    """Entries in force on `on` whose code starts with `text`, or whose description (Vietnamese or English) has a
    word starting with each word of it; by code. Typed without accents it ignores them (so "den do" also finds
    speeding, "độ"); typed with accents it keeps them ("đèn đỏ" finds red lights only)."""
    typed = " ".join(unicodedata.normalize("NFC", text).lower().split())
    accented = typed != fold(typed)
    words = typed.split()
    found = []
    for entry in catalogue().values():
        if entry.effective_from > on:
            continue
        described = f"{entry.description_vi} {entry.description_en} {entry.legal_basis}".lower()
        haystack = unicodedata.normalize("NFC", described) if accented else fold(described)
        known = haystack.replace(",", " ").replace("(", " ").split()
        by_words = all(any(word_known.startswith(word) for word_known in known) for word in words)
        if not words or entry.code.lower().startswith(typed) or by_words:
            found.append(entry)
    return sorted(found, key=lambda entry: entry.code)[:limit]
