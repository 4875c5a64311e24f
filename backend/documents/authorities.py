"""Who issues a document: the agency named in its header, its number book and its signer, resolved from the
jurisdiction (a ward or province code) and the shipped table in data/authorities.json."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flask import current_app, has_app_context

from backend.registry.reference import units_by_code

RESIDENCE_POLICE = "residence_police"
JUDICIAL_RECORDS_DEPARTMENT = "judicial_records_department"
JUDICIAL_RECORDS_CENTRE = "judicial_records_centre"
TRAFFIC_POLICE = "traffic_police"
_LEVEL_WORDS = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Thị trấn ", "Đặc khu ")


class UnknownAuthority(LookupError):
    """No issuing authority can be named for this kind and jurisdiction: refuse rather than misattribute."""


@dataclass(frozen=True)
class Authority:
    """An issuing agency (cơ quan ban hành) as the document header, number and signature block show it."""

    kind: str
    parent_vi: str  # the superior agency, printed above the issuing one
    name_vi: str
    full_name_vi: str  # the name with its place, as a sentence or a verification page names it
    name_en: str
    code: str  # the agency's code in document numbers
    place: str  # the place in the "<place>, ngày ... tháng ... năm ..." line
    signer_title_vi: str
    signer_title_en: str
    signer_name: str


def resolve(kind: str, jurisdiction: str | None = None) -> Authority:
    """The authority of `kind` for a ward code (5 digits) or province code (2 digits)."""
    table = _table(_configured_file())
    if kind not in table:
        raise UnknownAuthority(f"no issuing authority of kind {kind!r}")
    entry = table[kind]
    names = _unit_names(jurisdiction)
    needed = " ".join(str(v) for v in entry.values())
    if ("{ward" in needed and "ward" not in names) or ("{province" in needed and "province" not in names):
        raise UnknownAuthority(f"{kind}: jurisdiction {jurisdiction!r} is not a known unit")
    fields = {
        key: entry[key].format(**names)
        for key in (
            "parent_vi",
            "name_vi",
            "full_name_vi",
            "name_en",
            "code",
            "place",
            "signer_title_vi",
            "signer_title_en",
            "signer_name",
        )
    }
    fields["parent_vi"] = fields["parent_vi"].upper()
    return Authority(kind=kind, **fields)


def _unit_names(code: str | None) -> dict[str, str]:
    names: dict[str, str] = {}
    units = units_by_code()
    while code and (unit := units.get(code)):
        level = unit["level"]
        if level in ("ward", "province"):
            names[level] = unit["name"]
            names[f"{level}_short"] = _short(unit["name"])
            names[f"{level}_lc"] = unit["name"][:1].lower() + unit["name"][1:]
            names[f"{level}_code"] = unit["code"]
        code = unit["parent_code"]
    return names


def _short(name: str) -> str:
    for word in _LEVEL_WORDS:
        if name.startswith(word):
            return name[len(word) :]
    return name


def _configured_file() -> str | None:
    return current_app.config.get("DOCUMENT_AUTHORITIES_FILE") if has_app_context() else None


@functools.cache
def _table(path: str | None) -> dict:
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    source = resources.files("backend.documents").joinpath("data/authorities.json")
    return json.loads(source.read_text(encoding="utf-8"))
