"""Verifying one chunk: read its records, look the IDs up in one batch, compare, write the part file.

This is the hot loop of a million-row job. Profiling showed the time going to Python's per-row
overhead (a method call per row to normalise, another to compare, another to count, a writerow
each), so the loop is written out inline for the common row - well-formed, found, all fields equal -
and every other row takes the general path (Normaliser.row, compare), which decides exactly as
before. Both paths produce the same record, outcome and result line for the same input.
"""

from __future__ import annotations

import csv
import gc
import os
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from backend.verification import bulk, spool
from backend.verification.records import (
    ColumnMap,
    Normaliser,
    Tally,
    compare,
    id_consistency_problem,
    id_structure_problem,
    parse_date,
    sex_of,
    spreadsheet_safe,
)


@dataclass(frozen=True)
class ChunkWork:
    job_id: int
    seq: int
    start: int
    end: int
    first_line: int
    rows_path: Path
    spool_root: str
    columns: ColumnMap
    malformed_cap: int = 200


@dataclass
class ChunkResult:
    tally: Tally
    audited_citizen_ids: list[int]
    rows: int


_process_connection = None  # (dialect, raw DB-API connection) of a pool process, opened on first use


def _connection_in_process(target: tuple[str, str]):
    global _process_connection
    if _process_connection is None:
        _process_connection = bulk.connect_raw(target)
    return _process_connection


def warm_up_process(target: tuple[str, str]) -> int:
    """Run once in each pool process while the job is planned: the process is spawned, imports this
    module and opens its connection then, not when the first chunk is due (about half a second of CPU
    each, measured at 2 s of extra time on the first two chunks of a million-row job; less since this
    module's imports leave out SQLAlchemy and Flask)."""
    _connection_in_process(target)
    return os.getpid()


def verify_in_process(target: tuple[str, str], work: ChunkWork) -> ChunkResult:
    """Entry point in a pool process: its own connection (to `bulk.connection_target`), its own part
    file (renamed into place here; the parent's commit marks the chunk done, and a chunk redone after
    a crash rewrites it)."""
    dialect, raw = _connection_in_process(target)
    part = spool.PartWriter(work.spool_root, work.job_id, work.seq)
    try:
        result = verify_chunk(dialect, raw, work, part)
    except BaseException:
        part.discard()
        raise
    part.commit()
    return result


# Normalised values of repeated raw fields (dates, sexes, provinces repeat a lot across a file),
# shared by all chunks a process verifies; cleared when large so memory stays flat.
_CACHE_LIMIT = 100_000
_dates: dict[str, str | None] = {}
_sexes: dict[str, str | None] = {}
_provinces: dict[str, str | None] = {}
_MISSING = object()
_WRITE_BATCH = 1_000  # result lines per writerows call
# A cell's first character (after an opening quote, if any) is a formula trigger: see spreadsheet_safe.
# Two patterns, not one with (?:^|,) in MULTILINE mode: a search led by a plain character class runs
# about twice as fast over a chunk's text, and the text's own start is checked by _RISKY_START.
# An unquoted \r is a line end (the chunk's lines are split on it), never a cell's first character: only
# a quoted cell can start with one, so a CRLF line ending in an empty cell does not count.
_RISKY = re.compile(r'[,\n](?:"[=+\-@\t\r]|[=+\-@\t])')
_RISKY_START = re.compile(r'"?[=+\-@\t\r]')
_EOL = "\r\n"
_NOT_FOUND_DETAIL = "No one in the registry has this number."
_DECEASED_DETAIL = "Deceased per the registry."


def _cached(cache: dict, raw: str, compute):
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    value = cache[raw] = compute(raw)
    return value


def _province(raw: str) -> str | None:
    """The normalised province code, "" when absent, None when malformed (Normaliser.row's rule)."""
    province = raw.strip()
    if province:
        if province.isdigit() and len(province) == 1:
            province = "0" + province
        if not (len(province) == 2 and province.isdigit()):
            return None
    return province


def _record_line_offsets(lines: list[str]) -> list[int]:
    """Each record's first line, counted from the chunk's first (for chunks with multi-line records)."""
    reader = csv.reader(lines)
    offsets, previous = [], 0
    for _fields in reader:
        offsets.append(previous)
        previous = reader.line_num
    return offsets


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while chunks are verified (process-wide, counted across
    threads). A chunk keeps ~50,000 registry rows (tuples) alive, and each time that many new
    objects survive, the collector walks the whole heap - the app's several hundred thousand objects
    included: measured at about a tenth of a million-row job. Nothing a chunk makes is cyclic, so
    reference counting frees all of it; the collector resumes when the last chunk in flight ends."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def verify_chunk(dialect: str, raw, work: ChunkWork, part: spool.PartWriter) -> ChunkResult:
    with gc_paused():
        return _verify_chunk(dialect, raw, work, part)


def _verify_chunk(dialect: str, raw, work: ChunkWork, part: spool.PartWriter) -> ChunkResult:
    lines, bad_utf8 = spool.read_chunk(work.rows_path, work.start, work.end)
    width = work.columns.width
    p_pid, p_name, p_dob, p_sex, p_old, p_province = work.columns.positions

    # The chunk is parsed once and held (one chunk, so memory stays flat in the file's size; the
    # cyclic collector is paused, so the 50,000 lists cost it nothing). A malformed row's ID is
    # looked up too; it is never consulted.
    records = list(csv.reader(lines))
    registry_get = bulk.lookup_citizens(
        dialect, raw, {fields[p_pid].strip() for fields in records if len(fields) == width}
    ).get
    # A record is one text line unless a quoted field holds a line break: only then are the records'
    # first lines counted (as reader.line_num does).
    first_line = work.first_line
    if len(records) == len(lines):
        line_numbers = range(first_line, first_line + len(records))
    else:
        line_numbers = [first_line + offset for offset in _record_line_offsets(lines)]

    # Normalise, compare, write. Counts go by (outcome, problems) combination and are
    # added to the tally at the end in first-seen order, so its dicts come out exactly as they did
    # when rows were added one by one.
    normaliser = Normaliser(work.columns)
    malformed_cap = work.malformed_cap
    malformed: list[list] = []
    blank = 0
    nfc = unicodedata.normalize
    dates_get, sexes_get, provinces_get = _dates.get, _sexes.get, _provinces.get
    combos: dict[tuple, int] = {}
    combos_get = combos.get
    match_key = ("match", ())
    malformed_key = ("malformed", ("malformed",))
    text = "".join(lines)
    risky = _RISKY.search(text) or _RISKY_START.match(text)
    # A plain chunk (no quote character, no cell that could be a formula) has one record per line, and
    # csv.writer would write a record's fields back as that very line: a match row's result line is
    # then its text line plus the appended columns, without re-serialising its fields. Other rows of
    # a plain chunk are serialised by a csv.writer into the same list of text, in order.
    plain = not risky and '"' not in text
    out: list = []
    text_append = out.append
    if plain:
        out_append = csv.writer(SimpleNamespace(write=text_append)).writerow

        def writerows(pieces, _write=part.file.write):
            _write("".join(pieces))

    else:
        out_append = text_append
        writerows = part.writer.writerows
        if risky:  # only a chunk with a cell that could be a formula pays for the check

            def writerows(rows, _write=part.writer.writerows):
                _write([[spreadsheet_safe(value) for value in row] for row in rows])

    audited: list[int] = []
    audited_append = audited.append
    text = None
    matches = 0
    # zip stops at the last record: raw_line is the record's own line whenever the chunk is plain.
    for line, fields, raw_line in zip(line_numbers, records, lines):
        record = None
        # The common row, inline: right width, every field well-formed. Anything else goes to the
        # general path (Normaliser.row), which also finds the reason a row is malformed.
        if len(fields) == width and not bad_utf8:
            pid = fields[p_pid].strip()
            name = " ".join(nfc("NFC", fields[p_name]).split())
            dob = dates_get(fields[p_dob], _MISSING)
            if dob is _MISSING:
                dob = _cached(_dates, fields[p_dob], parse_date)
            sex = sexes_get(fields[p_sex], _MISSING)
            if sex is _MISSING:
                sex = _cached(_sexes, fields[p_sex], sex_of)
            old_id = fields[p_old].strip() if p_old is not None else ""
            if p_province is None:
                province = ""
            else:
                province = provinces_get(fields[p_province], _MISSING)
                if province is _MISSING:
                    province = _cached(_provinces, fields[p_province], _province)
            if (
                pid
                and name
                and dob
                and sex
                and province is not None
                and (not old_id or (len(old_id) == 9 and old_id.isdigit()))
            ):
                record = (pid, name, dob, sex, old_id, province)
        if record is None:
            if not fields or not any(fields):
                blank += 1
                continue
            if bad_utf8 and any("\ufffd" in f for f in fields):
                record = "the row is not valid UTF-8 text"
            else:
                record = normaliser.row(fields)
            if type(record) is str:
                key = malformed_key
                if len(malformed) < malformed_cap:
                    malformed.append([line, record])
                out_append((list(fields) + [""] * width)[:width] + [line, "malformed", "", record])
                combos[key] = combos_get(key, 0) + 1
                continue
            pid, name, dob, sex, old_id, province = record

        # (personal_id, citizen id, full_name, name_folded, dob, sex, old id, province, deceased_on)
        found = registry_get(pid)
        if found is None:
            problem = id_structure_problem(pid)
            if problem:
                key = ("invalid_id", ("id_format",))
                out_append(fields + [line, "invalid_id", "", problem])
            else:
                inconsistency = id_consistency_problem(pid, sex, dob)
                if inconsistency:
                    key = ("invalid_id", (inconsistency[0],))
                    out_append(fields + [line, "invalid_id", "", inconsistency[1]])
                else:
                    key = ("not_found", ("not_found",))
                    out_append(fields + [line, "not_found", "", _NOT_FOUND_DETAIL])
        else:
            audited_append(found[1])
            if (
                name == found[2]
                and dob == found[4]
                and sex == found[5]
                and not found[8]
                and (not old_id or old_id == found[6])
                and (not province or province == found[7])
            ):
                if not matches:  # the key takes its first-seen place (compare() may have given it
                    combos.setdefault(match_key, 0)  # already, for a name in capitals); counts added at the end
                matches += 1  # what compare() says for equal fields
                if plain:
                    text_append(f"{raw_line.rstrip(_EOL)},{line},match,,\r\n")
                else:
                    out_append(fields + [line, "match", "", ""])
                if len(out) >= _WRITE_BATCH:
                    writerows(out)
                    out.clear()
                continue
            else:
                outcome, differences = compare(record, found[1:])
                if outcome == "deceased":
                    key = (outcome, differences + ("deceased",))
                    out_append(fields + [line, outcome, " ".join(differences), _DECEASED_DETAIL])
                else:
                    key = (outcome, differences)
                    out_append(fields + [line, outcome, " ".join(differences), ""])
        combos[key] = combos_get(key, 0) + 1
        if len(out) >= _WRITE_BATCH:
            writerows(out)
            out.clear()
    writerows(out)
    if matches:
        combos[match_key] += matches
    rows = len(records)

    tally = Tally(malformed_cap=malformed_cap, malformed=malformed, blank=blank)
    counts, problems = tally.counts, tally.problems
    for (outcome, outcome_problems), n in combos.items():
        counts[outcome] = counts.get(outcome, 0) + n
        for problem in outcome_problems:
            problems[problem] = problems.get(problem, 0) + n
    return ChunkResult(tally=tally, audited_citizen_ids=audited, rows=rows)
