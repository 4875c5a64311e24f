"""Where the rules read the law: `value(name, on)` answers the version of a legal parameter in force on a day.

Shipped versions live in backend/law/data/*.json (one file per domain). An administrator adds versions with
`flask --app backend law load FILE` (cli.py); those are kept in the instance folder (LAW_DIR), audited, and read
here on top of the shipped ones: a loaded version with the same effective date replaces the shipped one.
Nothing here reads "today": every caller says which day it evaluates.
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context

from backend.law.schema import LawFileSchema

SHIPPED_DIR = Path(__file__).parent / "data"
LOADED_FILE = "loaded.json"  # the versions administrators loaded, in LAW_DIR
AUDIT_FILE = "audit.jsonl"  # who loaded what, when: appended, never rewritten
RECHECK_SECONDS = 1.0  # other processes see a new load within this long (a stat per second, not per call)
_checked: dict[str, tuple[float, tuple[int, int] | None]] = {}


class NotInForce(LookupError):
    """No version of this parameter is in force on that day: the rule cannot be evaluated."""


@dataclass(frozen=True)
class Version:
    name: str
    effective_from: date
    value: Any
    source: str
    origin: str = "shipped"  # or "loaded <when> by <who>"


class LawBook:
    """Every version of every parameter, ordered by effective date (later loads win on the same date)."""

    def __init__(self, versions: list[Version]):
        by_name: dict[str, dict[date, Version]] = {}
        for version in versions:
            by_name.setdefault(version.name, {})[version.effective_from] = version
        self._history = {name: sorted(days.values(), key=lambda v: v.effective_from) for name, days in by_name.items()}
        self._starts = {name: [v.effective_from for v in history] for name, history in self._history.items()}

    def names(self) -> list[str]:
        return sorted(self._history)

    def history(self, name: str) -> list[Version]:
        return list(self._history.get(name, []))

    def version(self, name: str, on: date) -> Version:
        starts = self._starts.get(name)
        if not starts:
            raise NotInForce(f"no legal parameter called {name}")
        index = bisect.bisect_right(starts, on) - 1
        if index < 0:
            raise NotInForce(f"{name} has no version in force on {on.isoformat()}")
        return self._history[name][index]


def parse(document: dict, origin: str = "shipped") -> list[Version]:
    """Validate a parameter file (raises marshmallow.ValidationError) and list its versions."""
    data = LawFileSchema().load(document)
    return [
        Version(name, v["effective_from"], v["value"], v["source"], origin)
        for name, parameter in data["parameters"].items()
        for v in parameter["versions"]
    ]


@functools.cache
def shipped() -> tuple[Version, ...]:
    versions: list[Version] = []
    for path in sorted(SHIPPED_DIR.glob("*.json")):
        versions += parse(json.loads(path.read_text(encoding="utf-8")))
    return tuple(versions)


def law_dir() -> Path | None:
    """The folder of loaded versions: LAW_DIR, else instance/law; none in tests unless they set LAW_DIR."""
    if not has_app_context():
        return None
    configured = current_app.config.get("LAW_DIR")
    if configured is None:
        if current_app.config.get("ENV_NAME") == "testing":
            return None
        return Path(current_app.instance_path) / "law"
    return Path(configured) if configured else None


def read_loaded(folder: Path) -> list[dict]:
    path = folder / LOADED_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


@functools.lru_cache(maxsize=8)
def _book(folder: str | None, stamp: tuple[int, int] | None) -> LawBook:
    versions = list(shipped())
    if folder is not None and stamp is not None:
        for row in read_loaded(Path(folder)):
            versions.append(
                Version(
                    row["name"],
                    date.fromisoformat(row["effective_from"]),
                    row["value"],
                    row["source"],
                    f"loaded {row['loaded_at']} by {row['loaded_by']}",
                )
            )
    return LawBook(versions)


def _stamp(folder: Path) -> tuple[int, int] | None:
    key, now = str(folder), time.monotonic()
    checked = _checked.get(key)
    if checked is not None and now - checked[0] < RECHECK_SECONDS:
        return checked[1]
    try:
        status = os.stat(folder / LOADED_FILE)
        stamp = (status.st_mtime_ns, status.st_size)
    except FileNotFoundError:
        stamp = None
    _checked[key] = (now, stamp)
    return stamp


def forget() -> None:
    """Look at LAW_DIR again at the next call (after a load in this process)."""
    _checked.clear()


def book() -> LawBook:
    """The law as this process knows it now; a new load is seen by every worker within RECHECK_SECONDS."""
    folder = law_dir()
    stamp = _stamp(folder) if folder is not None else None
    return _book(str(folder) if folder else None, stamp)


def version(name: str, on: date) -> Version:
    return book().version(name, on)


def value(name: str, on: date) -> Any:
    """The value of legal parameter `name` in force on `on`."""
    return book().version(name, on).value
