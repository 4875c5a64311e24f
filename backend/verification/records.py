"""Agency records: recognising the file's columns, normalising a row, and comparing it with the
registry. Pure functions over strings and tuples (no database), written for a million rows a run:
repeated names and dates are normalised once through small caches.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from shared_schemas import personal_id
from shared_schemas.text import fold

# Columns the result file appends to the agency's own.
RESULT_COLUMNS = ("line", "verification_result", "differences", "detail")
REQUIRED = ("personal_id", "full_name", "date_of_birth", "sex")
OPTIONAL = ("old_id_number", "permanent_province_code")
CANONICAL = REQUIRED + OPTIONAL

# Header spellings agencies use, after fold() and spaces -> underscores.
_ALIASES = {
    "personal_id": ("personal_id", "id_number", "so_dinh_danh", "so_dinh_danh_ca_nhan", "so_cccd", "cccd"),
    "full_name": ("full_name", "name", "ho_ten", "ho_va_ten"),
    "date_of_birth": ("date_of_birth", "dob", "birth_date", "ngay_sinh"),
    "sex": ("sex", "gender", "gioi_tinh"),
    "old_id_number": ("old_id_number", "old_id", "so_cmnd", "cmnd"),
    "permanent_province_code": ("permanent_province_code", "province_code", "province", "ma_tinh"),
}
_SEXES = {
    "male": personal_id.MALE,
    "nam": personal_id.MALE,
    "m": personal_id.MALE,
    "female": personal_id.FEMALE,
    "nữ": personal_id.FEMALE,
    "nu": personal_id.FEMALE,
    "f": personal_id.FEMALE,
}
_CACHE_LIMIT = 200_000  # entries per cache; cleared when full so memory stays flat on any file


# A cell starting with one of these is a formula (or becomes one) when a spreadsheet opens the file.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """OWASP's CSV-injection defence: a text cell that a spreadsheet would run as a formula gets a
    leading single quote (shown as text, not evaluated). A leading hyphen is data too often to tell
    apart from an attack, so it is prefixed as well; the verification outcome never depends on this."""
    if type(value) is str and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class HeaderError(ValueError):
    """The file's first row does not name the columns we need."""


@dataclass(frozen=True)
class ColumnMap:
    """Where each canonical field sits in the agency's rows (None: the column is absent)."""

    width: int
    positions: tuple[int | None, ...]  # in CANONICAL order


def map_header(header: list[str]) -> ColumnMap:
    keys = ["_".join(fold(h.lstrip("\ufeff")).replace("-", " ").split()) for h in header]
    positions = []
    for name in CANONICAL:
        found = [i for i, key in enumerate(keys) if key in _ALIASES[name]]
        if len(found) > 1:
            raise HeaderError(f"Columns {', '.join(header[i] for i in found)} all look like {name}; keep one.")
        positions.append(found[0] if found else None)
    missing = [name for name, pos in zip(CANONICAL, positions, strict=True) if pos is None and name in REQUIRED]
    if missing:
        raise HeaderError(
            f"The first row must name the columns {', '.join(REQUIRED)} (missing: {', '.join(missing)}); "
            f"found: {', '.join(header) or 'nothing'}."
        )
    return ColumnMap(width=len(header), positions=tuple(positions))


@dataclass
class Tally:
    """Per-chunk counts by outcome and by problem, and the malformed lines (capped)."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)
    malformed: list[list] = field(default_factory=list)
    blank: int = 0
    malformed_cap: int = 200

    def add(self, outcome: str, problems: tuple[str, ...] = ()) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        for problem in problems:
            self.problems[problem] = self.problems.get(problem, 0) + 1


class Normaliser:
    """Turns a raw row into (pid, name, dob_iso, sex, old_id, province) or an error message."""

    def __init__(self, columns: ColumnMap):
        self.columns = columns
        self._names: dict[str, str] = {}
        self._dates: dict[str, str | None] = {}

    def name(self, raw: str) -> str:
        cached = self._names.get(raw)
        if cached is None:
            if len(self._names) > _CACHE_LIMIT:
                self._names.clear()
            cached = self._names[raw] = " ".join(unicodedata.normalize("NFC", raw).split())
        return cached

    def date(self, raw: str) -> str | None:
        if raw in self._dates:
            return self._dates[raw]
        if len(self._dates) > _CACHE_LIMIT:
            self._dates.clear()
        self._dates[raw] = parsed = _parse_date(raw)
        return parsed

    def row(self, fields: list[str]):
        """-> (pid, name, dob, sex, old_id, province), or a str saying why the row is malformed."""
        width = self.columns.width
        if len(fields) != width:
            return f"expected {width} columns, found {len(fields)}"
        p = self.columns.positions
        pid = fields[p[0]].strip()
        name = self.name(fields[p[1]])
        dob_raw = fields[p[2]].strip()
        sex_raw = fields[p[3]].strip()
        if not pid:
            return "personal_id is empty"
        if not name:
            return "full_name is empty"
        dob = self.date(dob_raw)
        if dob is None:
            return (
                f"date_of_birth {dob_raw!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)"
                if dob_raw
                else "date_of_birth is empty"
            )
        sex = _SEXES.get(sex_raw.lower())
        if sex is None:
            return f"sex {sex_raw!r} is not one of male/female/Nam/Nữ" if sex_raw else "sex is empty"
        old_id = fields[p[4]].strip() if p[4] is not None else ""
        if old_id and not (len(old_id) == 9 and old_id.isdigit()):
            return f"old_id_number {old_id!r} is not 9 digits"
        province = fields[p[5]].strip() if p[5] is not None else ""
        if province:
            if province.isdigit() and len(province) == 1:
                province = "0" + province
            if not (len(province) == 2 and province.isdigit()):
                return f"permanent_province_code {province!r} is not a 2-digit province code"
        return pid, name, dob, sex, old_id, province


def parse_date(raw: str) -> str | None:
    """A raw date field (surrounding spaces allowed) -> ISO date, or None (as Normaliser.row decides)."""
    return _parse_date(raw.strip())


def sex_of(raw: str) -> str | None:
    """A raw sex field -> "male" / "female", or None (as Normaliser.row decides)."""
    return _SEXES.get(raw.strip().lower())


def _parse_date(raw: str) -> str | None:
    try:
        if len(raw) == 10 and raw[4] == "-":
            return date.fromisoformat(raw).isoformat()
        if len(raw) >= 19 and raw[4] == "-" and raw[10] in " T":  # a spreadsheet datetime
            return date.fromisoformat(raw[:10]).isoformat()
        for separator in "/-.":
            parts = raw.split(separator)
            if len(parts) == 3 and len(parts[2]) == 4:
                return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
    except ValueError:
        return None
    return None


def id_structure_problem(pid: str) -> str | None:
    if len(pid) != 12 or not pid.isascii() or not pid.isdigit():
        return "A personal ID number has exactly 12 digits."
    return None


def id_consistency_problem(pid: str, sex: str, dob_iso: str) -> tuple[str, str] | None:
    """Why a number not in the registry cannot be right for this person: (problem code, reason)."""
    try:
        personal_id.validate(pid, sex=sex, date_of_birth=date.fromisoformat(dob_iso))
    except personal_id.PersonalIdError as exc:
        reason = str(exc)
        if "means born in" in reason:
            return "id_century", reason
        if reason.startswith("Digit 4"):
            return "id_sex_digit", reason
        return "id_birth_year", reason
    return None


def compare(record: tuple, registry_row: tuple) -> tuple[str, tuple[str, ...]]:
    """Compare a normalised record with a registry row -> (outcome, differing fields).

    registry_row: (citizen id, full_name, name_folded, dob iso, sex, old_id_number, province, deceased_on).
    Names are compared without regard to accents or case; an accent-only difference is still
    reported ("full_name_accents") but does not make the row a mismatch.
    """
    _pid, name, dob, sex, old_id, province = record
    differences = []
    registry_name = registry_row[1]
    if name != registry_name and name.casefold() != registry_name.casefold():
        differences.append("full_name_accents" if fold(name) == registry_row[2] else "full_name")
    if dob != registry_row[3]:
        differences.append("date_of_birth")
    if sex != registry_row[4]:
        differences.append("sex")
    if old_id and old_id != registry_row[5]:
        differences.append("old_id_number")
    if province and province != registry_row[6]:
        differences.append("permanent_province_code")
    if registry_row[7]:
        return "deceased", tuple(differences)
    if differences and differences != ["full_name_accents"]:
        return "mismatch", tuple(differences)
    return "match", tuple(differences)
