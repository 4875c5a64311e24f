"""A bounded streaming reader for the first sheet of an XLSX workbook: rows as lists of text.

openpyxl (even read-only) loads the whole shared-strings part as Python objects - a 5.5 MB part
cost a web worker ~480 MB. Here every part is parsed as a stream (defusedxml: no entities, no DTDs)
through a byte counter, shared strings are kept as one UTF-8 buffer plus offsets (a few bytes of
overhead each), and rows, columns, cell length and shared strings are counted against the caps as
they come, so a hostile file stops at the first cap instead of at the end of memory.
"""

from __future__ import annotations

import re
import zipfile
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from defusedxml.ElementTree import iterparse

from backend.verification.limits import CapExceeded, Caps, UnreadableFile, column_number

# Built-in number formats that show a date (ECMA-376 18.8.30; 27-36 and 50-58 are the East Asian ones).
_DATE_FORMAT_IDS = frozenset([*range(14, 18), 22, *range(27, 37), *range(50, 59)])
# Parts of a format code that are not date tokens: quoted text, [colours]/[$locales], escaped and padded chars.
_NOT_TOKENS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_EXCEL_1900 = date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29
_EXCEL_1904 = date(1904, 1, 1)

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
        self.offsets = array("I", [0])  # 4 bytes an offset: the part is capped far below 4 GiB

    def add(self, text: str) -> None:
        self.data += text.encode("utf-8")
        self.offsets.append(len(self.data))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> str:
        return self.data[self.offsets[index] : self.offsets[index + 1]].decode("utf-8")


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
            raise UnreadableFile(
                "Tệp không phải là bảng tính XLSX hợp lệ. / The file is not a valid XLSX "
                f"workbook ({type(exc).__name__})."
            ) from exc

    # -- the workbook's parts ----------------------------------------------------------------------
    def _first_sheet(self, archive: zipfile.ZipFile) -> tuple[str, date]:
        first_rel, epoch = None, _EXCEL_1900
        with self._events(archive, "xl/workbook.xml") as parsed:
            for _, elem in parsed:
                tag = _local(elem.tag)
                if tag == "workbookPr" and elem.get("date1904") in ("1", "true"):
                    epoch = _EXCEL_1904
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
        return {
            index
            for index, format_id in enumerate(formats)
            if (format_id in custom and _is_date_code(custom[format_id]))
            or (format_id not in custom and format_id in _DATE_FORMAT_IDS)
        }

    def _push_parse(self, archive: zipfile.ZipFile, name: str, handler) -> Iterator[None]:
        """Feed the part to an expat parser block by block, yielding after each block so the caller can
        take what the handler finished. No tree is built; text is counted as it arrives."""
        try:
            part = archive.open(name)
        except KeyError:
            return
        parser = expat.ParserCreate()
        # What defusedxml does: no DTD, no entity declarations, nothing fetched from outside.
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        parser.ExternalEntityRefHandler = _refuse_dtd
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler = handler.start, handler.end
        parser.CharacterDataHandler = handler.data
        with part:
            stream = _Counted(part, self.used, self.caps)
            while block := stream.read(65_536):
                parser.Parse(block, False)
                yield
            parser.Parse(b"", True)
            yield

    def _shared_strings(self, archive: zipfile.ZipFile) -> SharedStrings:
        handler = _SharedStringsHandler(self.caps)
        for _ in self._push_parse(archive, "xl/sharedStrings.xml", handler):
            pass
        return handler.strings

    def _sheet_rows(
        self, archive, sheet: str, strings: SharedStrings, date_styles: set[int], epoch
    ) -> Iterator[list[str]]:
        handler = _SheetHandler(self.caps, strings, date_styles, epoch)
        for _ in self._push_parse(archive, sheet, handler):
            if handler.ready:
                yield from handler.ready
                handler.ready.clear()


def _refuse_dtd(*_args):
    raise ValueError("a DTD or entity declaration in a workbook part")


def _bare(tag: str) -> str:
    """`x:row` (prefixed, as some writers do) or `row` -> `row` (expat here does not process namespaces)."""
    return tag.rpartition(":")[2]


class _SharedStringsHandler:
    """<sst><si><t>text</t></si> or <si><r><t>run</t></r>...<rPh><t>phonetic</t></rPh></si>."""

    def __init__(self, caps: Caps):
        self.strings, self.caps = SharedStrings(), caps
        self.pieces: list[str] = []
        self.length = 0
        self.capture = False
        self.in_phonetic = False

    def start(self, tag, _attrs):
        name = _bare(tag)
        if name == "t":
            self.capture = not self.in_phonetic
        elif name == "si":
            self.pieces, self.length = [], 0
        elif name == "rPh":
            self.in_phonetic = True

    def data(self, text):
        if self.capture:
            self.length += len(text)
            if self.length > self.caps.max_cell_chars:
                raise CapExceeded("max_cell_chars", self.caps.max_cell_chars, self.length)
            self.pieces.append(text)

    def end(self, tag):
        name = _bare(tag)
        if name == "t":
            self.capture = False
        elif name == "rPh":
            self.in_phonetic = False
        elif name == "si":
            if len(self.strings) >= self.caps.xlsx_max_shared_strings:
                raise CapExceeded("xlsx_max_shared_strings", self.caps.xlsx_max_shared_strings)
            self.strings.add("".join(self.pieces))


class _SheetHandler:
    """<sheetData><row r="2"><c r="A2" t="s" s="1"><v>0</v></c><c t="inlineStr"><is><t>x</t></is></c>..."""

    def __init__(self, caps: Caps, strings: SharedStrings, date_styles: set[int], epoch):
        self.caps, self.strings, self.date_styles, self.epoch = caps, strings, date_styles, epoch
        self.ready: list[list[str]] = []
        self.next_row = 1
        self.number = 0
        self.cells: dict[int, str] = {}
        self.cell = None  # (column, type, style) of the cell being read
        self.pieces: list[str] = []
        self.length = 0
        self.capture = False
        self.in_phonetic = False

    def start(self, tag, attrs):
        name = _bare(tag)
        if name == "c":
            column = _column(attrs.get("r"), max(self.cells) + 1 if self.cells else 0)
            if column >= self.caps.max_columns:
                raise CapExceeded("max_columns", self.caps.max_columns, column + 1)
            self.cell = (column, attrs.get("t", "n"), attrs.get("s", "0"))
            self.pieces, self.length = [], 0
        elif name in ("v", "t"):
            self.capture = self.cell is not None and not self.in_phonetic
        elif name == "rPh":
            self.in_phonetic = True
        elif name == "row":
            self.number = int(attrs.get("r") or self.next_row)
            if self.number > self.caps.max_rows + 1:  # + 1: the header row
                raise CapExceeded("max_rows", self.caps.max_rows)
            self.cells = {}

    def data(self, text):
        if self.capture:
            self.length += len(text)
            if self.length > self.caps.max_cell_chars:
                raise CapExceeded("max_cell_chars", self.caps.max_cell_chars, self.length)
            self.pieces.append(text)

    def end(self, tag):
        name = _bare(tag)
        if name in ("v", "t"):
            self.capture = False
        elif name == "rPh":
            self.in_phonetic = False
        elif name == "c" and self.cell is not None:
            column, kind, style = self.cell
            text = _cell_value(
                kind, style, "".join(self.pieces) if self.pieces else None, self.strings, self.date_styles, self.epoch
            )
            if len(text) > self.caps.max_cell_chars:
                raise CapExceeded("max_cell_chars", self.caps.max_cell_chars, len(text))
            self.cells[column] = text
            self.cell = None
        elif name == "row":
            while self.next_row < self.number:  # rows Excel left out: blank, so line numbers stay Excel's
                self.ready.append([])
                self.next_row += 1
            cells = self.cells
            width = max(cells) + 1 if cells else 0
            self.ready.append([cells.get(i, "") for i in range(width)])
            self.next_row = self.number + 1


def _is_date_code(code: str) -> bool:
    """A custom number format that shows a day or a year (the first section; months alone are rare)."""
    section = _NOT_TOKENS.sub("", code.split(";", 1)[0]).lower()
    return "d" in section or "y" in section


def _column(reference: str | None, fallback: int) -> int:
    if not reference:
        return fallback
    return column_number(reference.rstrip("0123456789")) - 1


def _cell_value(kind: str, style: str, value: str | None, strings: SharedStrings, date_styles: set[int], epoch) -> str:
    if value is None:
        return ""
    if kind in ("inlineStr", "str", "e"):
        return value
    if kind == "s":
        return strings[int(value)]
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    number = float(value)
    if int(style or 0) in date_styles and 0 < number < 2_958_466:  # up to 9999-12-31
        day = int(number)
        if epoch == _EXCEL_1900 and day < 60:  # before Excel's phantom 1900-02-29
            day += 1
        return (epoch + timedelta(days=day)).isoformat()
    if number.is_integer() and "e" not in value.lower():
        return value.split(".")[0]
    return str(int(number)) if number.is_integer() else repr(number)


def rows(path: Path, caps: Caps) -> Iterator[list[str]]:
    return WorkbookReader(path, caps).rows()
