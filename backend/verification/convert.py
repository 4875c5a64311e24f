"""XLSX -> CSV in a child process (`python -m backend.verification.convert SOURCE TARGET CAPS_JSON`), so a
workbook's parsing never shares the web worker's memory or its interpreter lock: citizen requests served by the
same process keep their latency, and a hostile file that slips past the directory checks costs a short-lived
process with an address-space limit, not the API.

Exit status: 0 converted; 3 over a cap (stdout: {"cap", "limit"}); 4 unreadable (stdout: {"detail"}).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from backend.verification.limits import CapExceeded, Caps, UnreadableFile

OVER_CAP, UNREADABLE = 3, 4
ADDRESS_SPACE = 2 * 1024 * 1024 * 1024  # the child's own ceiling: far above what the bounded reader needs


def convert_in_child(source: Path, target: Path, caps: Caps, *, timeout_s: float = 1800) -> None:
    """Run the conversion in a child process; raises what the conversion raised (CapExceeded, UnreadableFile)."""
    # The child imports this same code, wherever it was imported from here.
    code_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [code_root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "backend.verification.convert", str(source), str(target), json.dumps(asdict(caps))],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
        env=env,
    )
    if done.returncode == 0:
        return
    try:
        reason = json.loads(done.stdout or "{}")
    except ValueError:
        reason = {}
    if done.returncode == OVER_CAP and "cap" in reason:
        raise CapExceeded(reason["cap"], reason["limit"], reason.get("found"))
    if done.returncode == UNREADABLE and "detail" in reason:
        raise UnreadableFile(reason["detail"])
    raise RuntimeError(f"the XLSX conversion exited with {done.returncode}: {done.stderr.strip()[-300:]}")


def main(argv: list[str]) -> int:
    source, target, caps = Path(argv[0]), Path(argv[1]), Caps(**json.loads(argv[2]))
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    from backend.verification import spool

    try:
        spool.xlsx_to_csv(source, target, caps)
    except CapExceeded as exc:
        print(json.dumps({"cap": exc.cap, "limit": exc.limit, "found": exc.found}))
        return OVER_CAP
    except UnreadableFile as exc:
        print(json.dumps({"detail": exc.detail}))
        return UNREADABLE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
