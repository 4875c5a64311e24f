"""CPU per stage of bulk verification, in-process, on the registry and agency file that
bench/bench_verification.py leaves in its workdir (SQLite). For comparing code changes on a shared machine,
where the end-to-end bench's wall time moves with the load: each stage's CPU is the minimum over rounds.

    python bench/profile_verification.py [--workdir /tmp/congdan-bench-verification] [--size 1000000]
                                         [--chunks 4] [--rounds 5] [--audit]

Per 50,000-row chunk (VERIFICATION_CHUNK_ROWS), as a verifying process does it: read the byte range,
csv-parse it, look the IDs up (`bulk.lookup_citizens`), and the rest of `processing.verify_chunk` (normalise,
compare, write the part file). With --audit, also the app process's audit INSERT (`bulk.write_audit`) inside
a transaction that is rolled back: the registry is left as it was, so the commit (WAL checkpoint) is not
measured.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.verification import bulk, processing, spool  # light: no SQLAlchemy, no Flask
from backend.verification.records import map_header


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/congdan-bench-verification")
    parser.add_argument("--size", type=int, default=1_000_000, help="which agency-<size>.csv")
    parser.add_argument("--citizens", type=int, default=1_000_000, help="which registry-<citizens>.db")
    parser.add_argument("--chunks", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--audit", action="store_true")
    args = parser.parse_args()
    folder = Path(args.workdir) / "sqlite"
    path = folder / f"agency-{args.size}.csv"
    database = folder / f"registry-{args.citizens}.db"
    if not path.exists() or not database.exists():
        raise SystemExit(f"run bench/bench_verification.py --backend sqlite --workdir {args.workdir} first")

    plan = spool.plan(path, chunk_rows=50_000)
    columns = map_header(plan.header)
    chunks = plan.chunks[1 : 1 + args.chunks]  # not the first: a process's caches are warm after it
    dialect, raw = bulk.connect_raw(("sqlite", str(database)))
    real_lookup = bulk.lookup_citizens
    spent = {"lookup": 0.0}
    found_ids: dict[int, list[int]] = {}

    def timed_lookup(dialect_, raw_, ids):
        started = time.process_time()
        found = real_lookup(dialect_, raw_, ids)
        spent["lookup"] += time.process_time() - started
        return found

    bulk.lookup_citizens = timed_lookup
    best: dict[str, float] = {}

    def keep(stage: str, seconds: float) -> None:
        best[stage] = min(best.get(stage, float("inf")), seconds)

    with tempfile.TemporaryDirectory() as spool_root:
        processing.verify_chunk(dialect, raw, _work(plan.chunks[0], path, spool_root, columns, 0), _part(spool_root, 0))
        for _round in range(args.rounds):
            read = parse = lookup = verify = 0.0
            for seq, chunk in enumerate(chunks, start=1):
                started = time.process_time()
                lines, _bad = spool.read_chunk(path, chunk.start, chunk.end)
                read_done = time.process_time()
                list(csv.reader(lines))
                parse += time.process_time() - read_done
                read += read_done - started
                spent["lookup"] = 0.0
                part = _part(spool_root, seq)
                started = time.process_time()
                result = processing.verify_chunk(dialect, raw, _work(chunk, path, spool_root, columns, seq), part)
                verify += time.process_time() - started
                part.commit()
                lookup += spent["lookup"]
                found_ids[seq] = result.audited_citizen_ids
            n = len(chunks)
            keep("read the byte range", read / n)
            keep("csv parse", parse / n)
            keep("look-ups", lookup / n)
            keep("verify_chunk without look-ups", (verify - lookup) / n)
            keep("verify_chunk", verify / n)
    raw.close()
    if args.audit:
        for _round in range(args.rounds):
            keep("audit INSERT (app process)", _audit_seconds(database, found_ids) / len(found_ids))
    print(f"{path.name}, registry {database.name}: CPU per 50,000-row chunk, minimum of {args.rounds} rounds")
    for stage, seconds in best.items():
        print(f"  {stage:32s} {seconds:.3f} s")


def _work(chunk, path: Path, spool_root: str, columns, seq: int) -> processing.ChunkWork:
    return processing.ChunkWork(
        job_id=1,
        seq=seq,
        start=chunk.start,
        end=chunk.end,
        first_line=chunk.first_line,
        rows_path=path,
        spool_root=spool_root,
        columns=columns,
    )


def _part(spool_root: str, seq: int) -> spool.PartWriter:
    return spool.PartWriter(spool_root, 1, seq)


def _audit_seconds(database: Path, found_ids: dict[int, list[int]]) -> float:
    from backend.database import make_engine

    engine = make_engine(f"sqlite:///{database}")
    actor = {
        "account_id": None,
        "role": "agency",
        "label": "profile",
        "record_ref": "verification-job:profile",
        "purpose": "profile of bulk verification",
        "client_kind": "address",
        "client_id": "127.0.0.1",
        "request_id": None,
    }
    spent = 0.0
    with engine.connect() as connection:
        for ids in found_ids.values():
            started = time.process_time()
            bulk.write_audit(connection, ids, occurred_at=datetime.now(timezone.utc), actor=actor)
            spent += time.process_time() - started
            connection.rollback()
    engine.dispose()
    return spent


if __name__ == "__main__":
    main()
