"""Verifying one chunk: read its records, look the IDs up in one batch, compare, write the part file.

This is the hot loop of a million-row job, so it works on plain lists and tuples.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from backend.verification import bulk, spool
from backend.verification.records import (
    ColumnMap,
    Normaliser,
    Tally,
    compare,
    id_consistency_problem,
    id_structure_problem,
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


def _malformed(tally: Tally, writer, fields, width, line, reason) -> None:
    tally.add("malformed", ("malformed",))
    if len(tally.malformed) < tally.malformed_cap:
        tally.malformed.append([line, reason])
    padded = (list(fields) + [""] * width)[:width]
    writer.writerow(padded + [line, "malformed", "", reason])


_process_connection = None  # (dialect, raw DB-API connection) of a pool process, opened on first use


def verify_in_process(database_url: str, work: ChunkWork) -> ChunkResult:
    """Entry point in a pool process: its own connection, its own part file (renamed into place
    here; the parent's commit marks the chunk done, and a chunk redone after a crash rewrites it)."""
    global _process_connection
    if _process_connection is None:
        _process_connection = bulk.connect_raw(database_url)
    dialect, raw = _process_connection
    part = spool.PartWriter(work.spool_root, work.job_id, work.seq)
    try:
        result = verify_chunk(dialect, raw, work, part)
    except BaseException:
        part.discard()
        raise
    part.commit()
    return result


def verify_chunk(dialect: str, raw, work: ChunkWork, part: spool.PartWriter) -> ChunkResult:
    lines, bad_utf8 = spool.read_chunk(work.rows_path, work.start, work.end)
    reader = csv.reader(lines)
    normaliser = Normaliser(work.columns)
    width = work.columns.width
    tally = Tally(malformed_cap=work.malformed_cap)
    writer = part.writer

    # Pass 1: parse and normalise; keep (line, fields, record | reason).
    parsed = []
    previous_line_num = 0
    rows = 0
    for fields in reader:
        line = work.first_line + previous_line_num
        previous_line_num = reader.line_num
        rows += 1
        if not fields or not any(fields):
            tally.blank += 1
            continue
        if bad_utf8 and any("\ufffd" in f for f in fields):
            parsed.append((line, fields, "the row is not valid UTF-8 text"))
            continue
        parsed.append((line, fields, normaliser.row(fields)))

    registry = bulk.lookup_citizens(dialect, raw, (r[2][0] for r in parsed if type(r[2]) is tuple))

    # Pass 2: compare and write.
    audited = []
    no_differences = ""
    for line, fields, record in parsed:
        if type(record) is str:
            _malformed(tally, writer, fields, width, line, record)
            continue
        pid = record[0]
        found = registry.get(pid)
        if found is None:
            problem = id_structure_problem(pid)
            if problem:
                tally.add("invalid_id", ("id_format",))
                writer.writerow(fields + [line, "invalid_id", "", problem])
                continue
            inconsistency = id_consistency_problem(pid, record[3], record[2])
            if inconsistency:
                tally.add("invalid_id", (inconsistency[0],))
                writer.writerow(fields + [line, "invalid_id", "", inconsistency[1]])
            else:
                tally.add("not_found", ("not_found",))
                writer.writerow(fields + [line, "not_found", "", "No one in the registry has this number."])
            continue
        audited.append(found[0])
        outcome, differences = compare(record, found)
        tally.add(outcome, differences if outcome != "deceased" else differences + ("deceased",))
        detail = "Deceased per the registry." if outcome == "deceased" else ""
        if differences:
            writer.writerow(fields + [line, outcome, " ".join(differences), detail])
        else:
            writer.writerow(fields + [line, outcome, no_differences, detail])
    return ChunkResult(tally=tally, audited_citizen_ids=audited, rows=rows)
