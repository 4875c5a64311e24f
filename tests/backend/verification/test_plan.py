"""Planning a file without quotes into chunks (spool.plan's line planner), at any block size."""

from __future__ import annotations

import random

import pytest

from backend.verification import spool
from backend.verification.limits import CapExceeded, Caps

BLOCK_SIZES = (1, 2, 5, 64, spool.PLAN_BLOCK)


def _expected(data: bytes, chunk_rows: int) -> list[tuple[int, int, int, int]]:
    """Chunks worked out the slow, obvious way: the lines after the header, chunk_rows at a time."""
    body_start = data.index(b"\n") + 1
    lines = data[body_start:].splitlines(keepends=True)
    lines = [line for part in lines for line in _split_on_newline_only(part)]
    chunks, position = [], body_start
    for i in range(0, len(lines), chunk_rows):
        group = lines[i : i + chunk_rows]
        size = sum(len(line) for line in group)
        chunks.append((position, position + size, i + 2, len(group)))
        position += size
    return chunks


def _split_on_newline_only(part: bytes) -> list[bytes]:
    # bytes.splitlines also splits on a lone \r; a record ends at \n only
    pieces = part.split(b"\n")
    out = [p + b"\n" for p in pieces[:-1]]
    return out + ([pieces[-1]] if pieces[-1] else [])


def _plan(tmp_path, data: bytes, chunk_rows: int, caps: Caps | None = None):
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    plan = spool.plan(path, chunk_rows=chunk_rows, caps=caps)
    return plan.header, [(c.start, c.end, c.first_line, c.rows) for c in plan.chunks]


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_chunks_are_the_same_at_every_block_size(tmp_path, monkeypatch, block):
    monkeypatch.setattr(spool, "PLAN_BLOCK", block)
    rng = random.Random(block)
    for _ in range(40):
        rows = [
            ",".join("x" * rng.randint(0, 5) for _ in range(rng.randint(1, 4))) if rng.random() < 0.9 else ""
            for _ in range(rng.randint(0, 30))
        ]
        ending = rng.choice(["\n", "\r\n"])
        data = ("a,b,c,d" + ending + ending.join(rows) + rng.choice(["", ending])).encode()
        chunk_rows = rng.choice([1, 2, 3, 7, 100])
        header, chunks = _plan(tmp_path, data, chunk_rows)
        assert header == ["a", "b", "c", "d"]
        assert chunks == _expected(data, chunk_rows), (data, chunk_rows)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_long_lines_within_the_caps_are_checked_and_planned(tmp_path, monkeypatch, block):
    monkeypatch.setattr(spool, "PLAN_BLOCK", block)
    caps = Caps(max_columns=5, max_cell_chars=10)
    data = b"a,b,c,d\n" + b"1,2,3,4\n" * 5 + b"aaaaaaaaaa,bbbbbbbbbb\n" + b",,,,\n" + b"1,2\n" * 5
    assert _plan(tmp_path, data, 4, caps)[1] == _expected(data, 4)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_the_first_line_over_a_cap_stops_the_plan(tmp_path, monkeypatch, block):
    monkeypatch.setattr(spool, "PLAN_BLOCK", block)
    caps = Caps(max_rows=8, max_columns=5, max_cell_chars=10)
    fine = b"a,b,c,d\n" + b"1,2,3,4\n" * 3
    with pytest.raises(CapExceeded) as raised:
        _plan(tmp_path, fine + b"1,2,3,4,5,6\n" + b"x" * 11 + b"\n", 2, caps)
    assert (raised.value.cap, raised.value.found) == ("max_columns", 6)
    with pytest.raises(CapExceeded) as raised:
        _plan(tmp_path, fine + b"x" * 11 + b"\n1,2,3,4,5,6\n", 2, caps)
    assert (raised.value.cap, raised.value.found) == ("max_cell_chars", 11)
    with pytest.raises(CapExceeded) as raised:  # longer than a whole row may be, no newline: never read whole
        _plan(tmp_path, fine + b"y" * 5_000, 2, caps)
    assert raised.value.cap == "max_cell_chars" and raised.value.found is None
    with pytest.raises(CapExceeded) as raised:
        _plan(tmp_path, fine + b"1,2\n" * 6, 2, caps)
    assert raised.value.cap == "max_rows"
    assert len(_plan(tmp_path, fine + b"1,2\n" * 5, 2, caps)[1]) == 4  # exactly max_rows rows
