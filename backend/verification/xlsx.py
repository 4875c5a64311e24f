"""A bounded streaming reader for the first sheet of an XLSX workbook: rows as lists of text.

openpyxl (even read-only) loads the whole shared-strings part as Python objects - a 5.5 MB part
cost a web worker ~480 MB. Here every part is parsed as a stream (defusedxml: no entities, no DTDs)
through a byte counter, shared strings are kept as one UTF-8 buffer plus offsets (a few bytes of
overhead each), and rows, columns, cell length and shared strings are counted against the caps as
they come, so a hostile file stops at the first cap instead of at the end of memory.
"""

from __future__ import annotations

import zipfile
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path, PurePosixPath

from defusedxml.ElementTree import iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from backend.verification.limits import CapExceeded, Caps, UnreadableFile

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Counted:
    """A part's byte stream that refuses to give more than the caps allow in total."""

    def __init__(self, stream, budget: list[int], caps: Caps):
        self.stream, self.budget, self.caps = stream, budget, caps

    def read(self, size: int = -1) -> bytes:
        block = self.stream.read(65_536 if size is None or size < 0 else min(size, 65_536))
        self.budget[0] += len(block)
        if self.budget[0] > self.caps.xlsx_max_uncompressed:
            raise CapExceeded("xlsx_max_uncompressed", self.caps.xlsx_max_uncompressed)
        return block


class SharedStrings:
    """All shared strings in one bytearray; string i is data[offsets[i]:offsets[i + 1]]."""

    def __init__(self):
        self.data = bytearray()
        self.offsets = array("Q", [0])

    def add(self, text: str) -> None:
        self.data += text.encode("utf-8")
        self.offsets.append(len(self.data))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> str:
        return self.data[self.offsets[index]:self.offsets[index + 1]].decode("utf-8")


class WorkbookReader:
    def __init__(self, path: Path, caps: Caps):
        self.path, self.caps = path, caps
        self.used = [0]  # uncompressed bytes read so far, all parts

    @contextmanager
    def _events(self, archive: zipfile.ZipFile, name: str, events=("end",)):
        """The part's parse events (none when the part is absent); the part is closed on leaving."""
        try:
            part = archive.open(name)
        except KeyError:
            yield iter(())
            return
        with part:
            yield iterparse(_Counted(part, self.used, self.caps), events=events)

    def rows(self) -> Iterator[list[str]]:
        try:
            with zipfile.ZipFile(self.path) as archive:
                sheet, epoch = self._first_sheet(archive)
                date_styles = self._date_styles(archive)
                strings = self._shared_strings(archive)
                yield from self._sheet_rows(archive, sheet, strings, date_styles, epoch)
        except (zipfile.BadZipFile, KeyError, IndexError, ValueError, SyntaxError) as exc:
            if isinstance(exc, CapExceeded):
                raise
            raise UnreadableFile("Tệp không phải là bảng tính XLSX hợp lệ. / The file is not a valid XLSX "
                                 f"workbook ({type(exc).__name__}).") from exc

    # -- the workbook's parts ----------------------------------------------------------------------
    def _first_sheet(self, archive: zipfile.ZipFile) -> tuple[str, datetime]:
        first_rel, epoch = None, CALENDAR_WINDOWS_1900
        with self._events(archive, "xl/workbook.xml") as parsed:
            for _, elem in parsed:
                tag = _local(elem.tag)
                if tag == "workbookPr" and elem.get("date1904") in ("1", "true"):
                    epoch = CALENDAR_MAC_1904
                elif tag == "sheet" and first_rel is None:
                    first_rel = elem.get(_REL)
        target = None
        with self._events(archive, "xl/_rels/workbook.xml.rels") as parsed:
            for _, elem in parsed:
                if _local(elem.tag) == "Relationship" and elem.get("Id") == first_rel:
                    target = elem.get("Target")
        if not target:
            return "xl/worksheets/sheet1.xml", epoch
        if target.startswith("/"):
            return target.lstrip("/"), epoch
        return str(PurePosixPath("xl") / target), epoch

    def _date_styles(self, archive: zipfile.ZipFile) -> set[int]:
        """Indexes of cell styles whose number format shows a date."""
        custom: dict[int, str] = {}
        formats: list[int] = []
        in_cell_xfs = False
        with self._events(archive, "xl/styles.xml", events=("start", "end")) as parsed:
            for event, elem in parsed:
                tag = _local(elem.tag)
                if tag == "cellXfs":
                    in_cell_xfs = event == "start"
                elif event == "end" and tag == "numFmt":
                    custom[int(elem.get("numFmtId", "0"))] = elem.get("formatCode", "")
                elif event == "end" and tag == "xf" and in_cell_xfs:
                    formats.append(int(elem.get("numFmtId", "0")))
        dated = set()
        for index, format_id in enumerate(formats):
            code = custom.get(format_id) or BUILTIN_FORMATS.get(format_id)
            if code and is_date_format(code):
                dated.add(index)
        return dated

    def _shared_strings(self, archive: zipfile.ZipFile) -> SharedStrings:
        caps, strings = self.caps, SharedStrings()
        pieces: list[str] = []
        length = 0
        root = None
        with self._events(archive, "xl/sharedStrings.xml", events=("start", "end")) as parsed:
            for event, elem in parsed:
                tag = _local(elem.tag)
                if event == "start":
                    if tag == "si":
                        pieces, length = [], 0
                    elif tag == "sst":
                        root = elem
                    continue
                if tag == "t":
                    text = elem.text or ""
                    length += len(text)
                    if length > caps.max_cell_chars:
                        raise CapExceeded("max_cell_chars", caps.max_cell_chars, length)
                    pieces.append(text)
                elif tag == "rPh" and pieces:  # a phonetic run's text is not part of the value
                    pieces.pop()
                elif tag == "si":
                    if len(strings) >= caps.xlsx_max_shared_strings:
                        raise CapExceeded("xlsx_max_shared_strings", caps.xlsx_max_shared_strings)
                    strings.add("".join(pieces))
                    if root is not None:
                        root.clear()  # drop the finished <si> elements, not just their contents
        return strings

    # -- the sheet ---------------------------------------------------------------------------------
    def _sheet_rows(self, archive, sheet: str, strings: SharedStrings, date_styles: set[int], epoch
                    ) -> Iterator[list[str]]:
        caps = self.caps
        parent = None
        next_row = 1
        cells: dict[int, str] = {}
        with self._events(archive, sheet, events=("start", "end")) as parsed:
            for event, elem in parsed:
                tag = _local(elem.tag)
                if event == "start":
                    if tag == "sheetData":
                        parent = elem
                    continue
                if tag == "c":
                    column = _column(elem.get("r"), max(cells) + 1 if cells else 0)
                    if column >= caps.max_columns:
                        raise CapExceeded("max_columns", caps.max_columns, column + 1)
                    text = _cell_value(elem, strings, date_styles, epoch)
                    if len(text) > caps.max_cell_chars:
                        raise CapExceeded("max_cell_chars", caps.max_cell_chars, len(text))
                    cells[column] = text
                elif tag == "row":
                    number = int(elem.get("r") or next_row)
                    if number > caps.max_rows + 1:  # + 1: the header row
                        raise CapExceeded("max_rows", caps.max_rows)
                    while next_row < number:  # rows Excel left out: blank, so line numbers stay Excel's
                        yield []
                        next_row += 1
                    width = max(cells) + 1 if cells else 0
                    yield [cells.get(i, "") for i in range(width)]
                    cells = {}
                    next_row = number + 1
                    if parent is not None:
                        parent.clear()  # the rows done so far: keep the tree from growing


def _column(reference: str | None, fallback: int) -> int:
    if not reference:
        return fallback
    letters = reference.rstrip("0123456789")
    if not letters or len(letters) > 3:
        raise ValueError(f"bad cell reference {reference[:12]!r}")
    return column_index_from_string(letters) - 1


def _cell_value(elem, strings: SharedStrings, date_styles: set[int], epoch) -> str:
    kind = elem.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in elem.iter() if _local(t.tag) == "t")
    value = next((child.text for child in elem if _local(child.tag) == "v"), None)
    if value is None:
        return ""
    if kind == "s":
        return strings[int(value)]
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    if kind in ("str", "e"):
        return value
    number = float(value)
    if int(elem.get("s", "0")) in date_styles:
        moment = from_excel(number, epoch)
        return moment.date().isoformat() if isinstance(moment, datetime) else str(moment)
    if number.is_integer() and "e" not in value.lower():
        return value.split(".")[0]
    return str(int(number)) if number.is_integer() else repr(number)


def rows(path: Path, caps: Caps) -> Iterator[list[str]]:
    return WorkbookReader(path, caps).rows()
