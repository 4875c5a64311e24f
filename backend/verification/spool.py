"""The job's files: the uploaded spool, its plan (byte ranges of whole records), the per-chunk
result parts and the results download. Nothing here holds a whole file in memory.

Layout under VERIFICATION_SPOOL_DIR (default: <instance>/verification; a shared volume when workers
run on several machines): <job id>/source.csv|source.xlsx, rows.csv (XLSX converted, JSON appended),
part-000001.csv, ...
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from backend.verification.records import CANONICAL, RESULT_COLUMNS, spreadsheet_safe

if TYPE_CHECKING:
    from backend.verification.limits import Caps

# The planning functions import limits (and through it backend.errors, Flask) when called: a verifying
# process imports this module for read_chunk and PartWriter only, and each import it skips is CPU
# spent before its first chunk (docs/verification-scaling.md).

COPY_BLOCK = 1024 * 1024


def job_dir(root: str, job_id: int) -> Path:
    path = Path(root) / f"{job_id:09d}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def rows_path(root: str, job_id: int, source_format: str) -> Path:
    """The CSV the chunks index into: the upload itself for CSV, a converted copy otherwise."""
    name = "source.csv" if source_format == "csv" else "rows.csv"
    return job_dir(root, job_id) / name


# -- XLSX and JSON become CSV -------------------------------------------------------------------
def xlsx_to_csv(source: Path, target: Path, caps: Caps) -> None:
    """Stream the first sheet into CSV through the bounded reader (backend/verification/xlsx.py)."""
    from backend.verification import xlsx

    with open(target, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(xlsx.rows(source, caps))


def convert_xlsx(source: Path, target: Path, caps: Caps, *, isolated: bool) -> None:
    """XLSX -> CSV; `isolated`: in a child process (backend/verification/convert.py), as the served app does."""
    if isolated:
        from backend.verification.convert import convert_in_child

        convert_in_child(source, target, caps)
    else:
        xlsx_to_csv(source, target, caps)


def start_json_rows(target: Path) -> None:
    with open(target, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerow(CANONICAL)


def append_json_rows(target: Path, records: list[dict]) -> None:
    with open(target, "a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerows([record.get(name) or "" for name in CANONICAL] for record in records)


# -- planning ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedChunk:
    start: int
    end: int
    first_line: int
    rows: int


@dataclass
class Plan:
    header: list[str]
    chunks: list[PlannedChunk]

    @property
    def total_rows(self) -> int:
        return sum(c.rows for c in self.chunks)


def _has_quotes(path: Path) -> bool:
    with open(path, "rb") as fh:
        while block := fh.read(COPY_BLOCK):
            if b'"' in block:
                return True
    return False


def plan(path: Path, *, chunk_rows: int, caps: Caps | None = None) -> Plan:
    """Cut the file into chunks of `chunk_rows` records each, as byte ranges of whole records,
    stopping at the first record over a cap (rows, columns, cell length).

    Without a quote character anywhere, a record is a line and the file is cut on newlines (fast);
    otherwise the csv module finds the record boundaries (a quoted field may hold a newline).
    """
    from backend.verification.limits import Caps, check_record

    caps = caps or Caps()
    with open(path, "rb") as fh:
        first = fh.readline(caps.max_columns * (caps.max_cell_chars + 3) + 1)
        offset = 3 if first.startswith(b"\xef\xbb\xbf") else 0
        header_text = first[offset:].decode("utf-8", errors="replace")
        if _has_quotes(path):
            fh.seek(offset)
            return _plan_csv(fh, offset, chunk_rows, caps)
        header = next(csv.reader([header_text]), [])
        check_record(header, caps)
        return Plan(header, _plan_lines(fh, len(first), chunk_rows, caps))


PLAN_BLOCK = 256 * 1024  # bytes read at a time by the line planner
_NOT_COMMA_OR_NEWLINE = bytes(b for b in range(256) if b not in b",\n")


def _plan_lines(fh, start: int, chunk_rows: int, caps: Caps) -> list[PlannedChunk]:
    """The chunks of a file without quotes (one record a line), from `start` (after the header).

    By hand, over blocks rather than line by line (0.6 s of Python for a million lines before): the
    csv module has no "where does record N end", and the checks below are what make the per-line
    caps cheap. A block whose lines are all clearly within the caps is counted with C-level calls
    (bytes.count, find, translate); only a block that might hold a line over a cap - one as long as a
    cell may be, more commas than columns, or rows past the cap - is walked line by line with the
    exact checks, in order, so the first offending line raises the same error as before. A line
    longer than a whole row may be is never held whole (the carried partial line is checked after
    every block)."""
    from backend.verification.limits import CapExceeded, check_record

    longest = caps.max_columns * (caps.max_cell_chars + 3)
    # A line no longer than one cell may be has no cell over the cap: only longer ones are split.
    short_line, max_commas, max_rows = caps.max_cell_chars, caps.max_columns - 1, caps.max_rows
    # A line of short_line bytes or more contains a whole window of this many bytes aligned at a
    # multiple of it, so a block in which every aligned window holds a newline has no such line.
    window = (short_line + 1) // 2
    too_many_commas = b"," * (max_commas + 1)  # after all other bytes are dropped, lines keep their commas
    chunks: list[PlannedChunk] = []
    state = {"start": start, "position": start, "rows": 0, "line": 1, "first_line": 2}  # line 1: the header

    def one_line(raw: bytes) -> None:
        """The exact per-line rule (raw with its newline, if it has one)."""
        state["position"] += len(raw)
        state["line"] += 1
        state["rows"] += 1
        if state["line"] - 1 > max_rows:  # line counts the header too
            raise CapExceeded("max_rows", max_rows)
        if len(raw) > short_line or raw.count(b",") > max_commas:
            check_record(raw.decode("utf-8", errors="replace").rstrip("\r\n").split(","), caps)
        if state["rows"] == chunk_rows:
            chunks.append(PlannedChunk(state["start"], state["position"], state["first_line"], chunk_rows))
            state["start"], state["rows"], state["first_line"] = state["position"], 0, state["line"] + 1

    carry = b""
    while block := fh.read(PLAN_BLOCK):
        data = carry + block
        end = data.rfind(b"\n") + 1  # data[:end]: whole lines; data[end:]: the start of the next
        carry = data[end:]
        if end:
            lines = data.count(b"\n")
            find = data.find
            if (
                window > 0
                and state["line"] - 1 + lines <= max_rows
                and all(find(b"\n", i, i + window) >= 0 for i in range(0, end - window + 1, window))
                and too_many_commas not in data.translate(None, _NOT_COMMA_OR_NEWLINE)
            ):
                if state["rows"] + lines < chunk_rows:  # no chunk ends in this block
                    state["position"] += end
                    state["line"] += lines
                    state["rows"] += lines
                else:
                    _cut(data[:end].split(b"\n")[:-1], state, chunks, chunk_rows)
            else:
                for text in data[:end].split(b"\n")[:-1]:
                    if len(text) > longest:  # what a bounded readline would have refused
                        raise CapExceeded("max_cell_chars", caps.max_cell_chars)
                    one_line(text + b"\n")
        if len(carry) > longest:
            raise CapExceeded("max_cell_chars", caps.max_cell_chars)
    if carry:  # a last line without a newline
        one_line(carry)
    if state["rows"]:
        chunks.append(PlannedChunk(state["start"], state["position"], state["first_line"], state["rows"]))
    return chunks


def _cut(lines: list[bytes], state: dict, chunks: list[PlannedChunk], chunk_rows: int) -> None:
    """Count a block's well-formed lines (each was followed by a newline) into the chunks."""
    i, n = 0, len(lines)
    while state["rows"] + (n - i) >= chunk_rows:
        take = chunk_rows - state["rows"]
        state["position"] += sum(map(len, lines[i : i + take])) + take
        state["line"] += take
        chunks.append(PlannedChunk(state["start"], state["position"], state["first_line"], chunk_rows))
        state["start"], state["rows"], state["first_line"] = state["position"], 0, state["line"] + 1
        i += take
    rest = n - i
    state["position"] += sum(map(len, lines[i:])) + rest
    state["line"] += rest
    state["rows"] += rest


def _bounded_lines(fh, caps: Caps) -> Iterator[bytes]:
    """The file's lines, none longer than a whole row may be (a 500 MB line is never read at once)."""
    from backend.verification.limits import CapExceeded

    longest = caps.max_columns * (caps.max_cell_chars + 3)
    while raw := fh.readline(longest + 1):
        if len(raw) > longest and not raw.endswith(b"\n"):
            raise CapExceeded("max_cell_chars", caps.max_cell_chars)
        yield raw


def _plan_csv(fh, offset: int, chunk_rows: int, caps: Caps) -> Plan:
    from backend.verification.limits import CapExceeded, check_record

    consumed = [offset, 0]  # bytes, physical lines

    def lines() -> Iterator[str]:
        for raw in _bounded_lines(fh, caps):
            consumed[0] += len(raw)
            consumed[1] += 1
            yield raw.decode("utf-8", errors="replace")

    reader = csv.reader(lines())
    header = next(reader, [])
    check_record(header, caps)
    chunks, start, rows, first_line = [], consumed[0], 0, consumed[1] + 1
    for total, record in enumerate(reader, start=1):
        rows += 1
        if total > caps.max_rows:
            raise CapExceeded("max_rows", caps.max_rows)
        check_record(record, caps)
        if rows == chunk_rows:
            chunks.append(PlannedChunk(start, consumed[0], first_line, rows))
            start, rows, first_line = consumed[0], 0, consumed[1] + 1
    if rows:
        chunks.append(PlannedChunk(start, consumed[0], first_line, rows))
    return Plan(header, chunks)


def read_chunk(path: Path, start: int, end: int) -> tuple[list[str], bool]:
    """The chunk's records as text lines, and whether any byte was not valid UTF-8."""
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    text = data.decode("utf-8", errors="replace")
    return text.splitlines(keepends=True) if "\n" in text or "\r" in text else [text], "\ufffd" in text


# -- results -------------------------------------------------------------------------------------
def part_path(root: str, job_id: int, seq: int) -> Path:
    return job_dir(root, job_id) / f"part-{seq:06d}.csv"


class PartWriter:
    """Writes one chunk's result rows to a temporary file, renamed into place on `commit`."""

    def __init__(self, root: str, job_id: int, seq: int):
        self.final = part_path(root, job_id, seq)
        self.temporary = self.final.with_suffix(".tmp")
        # Closed by commit or discard; a large buffer, so writerows per batch means few write calls.
        self.file = open(self.temporary, "w", encoding="utf-8", newline="", buffering=COPY_BLOCK)
        self.writer = csv.writer(self.file)

    def commit(self) -> None:
        self.file.close()
        os.replace(self.temporary, self.final)

    def discard(self) -> None:
        self.file.close()
        self.temporary.unlink(missing_ok=True)


def results_header(columns: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([spreadsheet_safe(name) for name in columns] + list(RESULT_COLUMNS))
    return buffer.getvalue()


def stream_results(root: str, job_id: int, columns: list[str], chunk_count: int) -> Iterator[bytes]:
    """The results CSV: a header, then the parts in order (UTF-8 with BOM, so Excel shows accents)."""
    yield b"\xef\xbb\xbf" + results_header(columns).encode("utf-8")
    for seq in range(1, chunk_count + 1):
        with open(part_path(root, job_id, seq), "rb") as fh:
            while block := fh.read(COPY_BLOCK):
                yield block
