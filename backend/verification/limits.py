"""Caps on the size and shape of an uploaded file, and the cheap checks made before any work starts.

An upload is looked at in the request, before a job exists: the ZIP directory of an XLSX (entries,
declared sizes, compression ratio, the shared-strings part, the sheet's declared dimension) and the
header line of a CSV. What only a full read can tell (rows, columns, cell length, shared strings) is
counted while the file streams through the converter and the planner, which stop at the first cap.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from backend.errors import DomainError

MIB = 1024 * 1024


@dataclass(frozen=True)
class Caps:
    max_rows: int = 2_000_000
    max_columns: int = 50
    max_cell_chars: int = 2_000
    xlsx_max_uncompressed: int = 1024 * MIB  # all parts together, as the ZIP directory declares them
    xlsx_max_ratio: int = 200  # uncompressed / compressed, per part (a zip bomb is thousands)
    xlsx_max_entries: int = 200  # an ordinary workbook has a dozen parts
    xlsx_max_shared_strings: int = 2_500_000
    xlsx_max_shared_strings_bytes: int = 128 * MIB  # the sharedStrings.xml part, uncompressed

    @classmethod
    def from_config(cls, config) -> Caps:
        values = {}
        for name in cls.__dataclass_fields__:
            key = "VERIFICATION_" + name.upper()
            if config.get(key) is not None:
                values[name] = int(config[key])
        return cls(**values)


# What each cap means, Vietnamese first (the problem's detail), then English.
_MEANING = {
    "max_rows": ("Tệp có quá nhiều dòng", "The file has too many rows"),
    "max_columns": ("Tệp có quá nhiều cột", "The file has too many columns"),
    "max_cell_chars": ("Một ô dữ liệu quá dài (ký tự)", "A cell is too long (characters)"),
    "xlsx_max_uncompressed": (
        "Tệp XLSX khi giải nén quá lớn (byte)",
        "The XLSX file is too large uncompressed (bytes)",
    ),
    "xlsx_max_ratio": (
        "Tỷ lệ nén của tệp XLSX bất thường (nghi là zip bomb)",
        "The XLSX compression ratio is abnormal (a zip bomb?)",
    ),
    "xlsx_max_entries": ("Tệp XLSX có quá nhiều thành phần", "The XLSX file has too many parts"),
    "xlsx_max_shared_strings": ("Tệp XLSX có quá nhiều chuỗi dùng chung", "The XLSX file has too many shared strings"),
    "xlsx_max_shared_strings_bytes": (
        "Phần chuỗi dùng chung của tệp XLSX quá lớn (byte)",
        "The XLSX shared-strings part is too large (bytes)",
    ),
}


class CapExceeded(DomainError):
    """A file over one of the caps. Refused before work where the request can tell, else the job fails."""

    status, code, title = 413, "file-over-limit", "Tệp vượt giới hạn / The file is over a limit"

    def __init__(self, cap: str, limit: int, found: int | None = None):
        vietnamese, english = _MEANING[cap]
        seen_vi = f" (tìm thấy {found:,})" if found is not None else ""
        seen_en = f" (found {found:,})" if found is not None else ""
        super().__init__(
            f"{vietnamese}: giới hạn {limit:,}{seen_vi}. / {english}: the limit is {limit:,}{seen_en}.",
            cap=cap,
            limit=limit,
        )
        self.cap, self.limit, self.found = cap, limit, found


class UnreadableFile(DomainError):
    status, code, title = 422, "unreadable-file", "Không đọc được tệp / The file cannot be read"


# -- XLSX: the ZIP directory ---------------------------------------------------------------------
_EOCD = b"PK\x05\x06"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?([A-Z]+)(\d+)\"")


def _declared_entries(path: Path) -> int:
    """The entry count from the end-of-central-directory record, read before zipfile parses the
    directory (which costs time and memory per entry)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - 65_557))  # the record is 22 bytes plus a comment of at most 65,535
        tail = fh.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise UnreadableFile("Tệp không phải là XLSX (ZIP) hợp lệ. / The file is not a valid XLSX (ZIP) file.")
    return struct.unpack("<H", tail[at + 10 : at + 12])[0]


def check_xlsx(path: Path, caps: Caps, sheet_part: str | None = None) -> None:
    """Refuse a workbook whose directory already shows it is over a cap (no part is decompressed,
    except the first 64 KB of the sheet, for its declared dimension)."""
    entries = _declared_entries(path)
    if entries > caps.xlsx_max_entries:
        raise CapExceeded("xlsx_max_entries", caps.xlsx_max_entries, entries)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > caps.xlsx_max_entries:  # ZIP64 or a lying end record
                raise CapExceeded("xlsx_max_entries", caps.xlsx_max_entries, len(infos))
            total = sum(info.file_size for info in infos)
            if total > caps.xlsx_max_uncompressed:
                raise CapExceeded("xlsx_max_uncompressed", caps.xlsx_max_uncompressed, total)
            for info in infos:
                ratio = info.file_size // max(info.compress_size, 1)
                if info.file_size > MIB and ratio > caps.xlsx_max_ratio:
                    raise CapExceeded("xlsx_max_ratio", caps.xlsx_max_ratio, ratio)
                if (
                    info.filename.lower().endswith("sharedstrings.xml")
                    and info.file_size > caps.xlsx_max_shared_strings_bytes
                ):
                    raise CapExceeded(
                        "xlsx_max_shared_strings_bytes", caps.xlsx_max_shared_strings_bytes, info.file_size
                    )
            names = {info.filename for info in infos}
            sheet = sheet_part or "xl/worksheets/sheet1.xml"
            if sheet in names:
                with archive.open(sheet) as part:
                    _check_dimension(part.read(65_536), caps)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("Tệp không phải là XLSX (ZIP) hợp lệ. / The file is not a valid XLSX (ZIP) file.") from exc


def column_number(letters: str) -> int:
    """Spreadsheet column letters -> 1-based number (A = 1, Z = 26, AA = 27, XFD = 16,384)."""
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"bad column reference {letters[:12]!r}")
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _check_dimension(head: bytes, caps: Caps) -> None:
    found = _DIMENSION.search(head)
    if not found:
        return
    columns, rows = column_number(found.group(1).decode()), int(found.group(2))
    if columns > caps.max_columns:
        raise CapExceeded("max_columns", caps.max_columns, columns)
    if rows - 1 > caps.max_rows:
        raise CapExceeded("max_rows", caps.max_rows, rows - 1)


# -- CSV: the header -----------------------------------------------------------------------------
def check_csv(path: Path, caps: Caps) -> None:
    """The header line: its columns and its length (a header longer than every cell allowed is no header)."""
    longest = caps.max_columns * (caps.max_cell_chars + 3)
    with open(path, "rb") as fh:
        first = fh.readline(longest + 1)
    if len(first) > longest:
        raise CapExceeded("max_cell_chars", caps.max_cell_chars)
    check_record(first.decode("utf-8", errors="replace").rstrip("\r\n").split(","), caps)


def check_record(fields: list[str], caps: Caps) -> None:
    if len(fields) > caps.max_columns:
        raise CapExceeded("max_columns", caps.max_columns, len(fields))
    for field in fields:
        if len(field) > caps.max_cell_chars:
            raise CapExceeded("max_cell_chars", caps.max_cell_chars, len(field))


def check_upload(path: Path, source_format: str, caps: Caps) -> None:
    if source_format == "xlsx":
        check_xlsx(path, caps)
    elif source_format == "csv":
        check_csv(path, caps)
