"""Full chip read (BAC or PACE + EF.COM + EF.SOD + DG1 + DG2 ~15 KB + DG13 + passive authentication) against
the simulated CCCD: APDUs, bytes moved, wall time and CPU time outside the transport.

    python bench/bench_chip_read.py [--rounds N] [--vpcd]

--vpcd also reads through pcscd and the vsmartcard virtual reader (pcscd must be installed; it is started
here when not running). Prints figures; it asserts nothing."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.smartcard.passive_auth import TrustStore
from hardware.smartcard.reader import EmrtdReader
from hardware.smartcard.simulator import DemoCitizen, build_chip, build_test_pki
from hardware.smartcard.transport import SimulatedTransport

GROUPS = [1, 2, 13]


def _measure(label, make_transport, citizen, trust_store, rounds, *, access_control="BAC", **reader_options):
    results = []
    for _ in range(rounds):
        with make_transport() as transport:
            results.append(
                EmrtdReader(transport, **reader_options).read(
                    citizen.access_key(), trust_store, data_groups=GROUPS, active_authentication=False
                )
            )
    stats = [r.stats for r in results]
    median_cpu = statistics.median(s.cpu_seconds_excluding_transport for s in stats)
    first = results[0]
    assert first.passive_auth.passed, "passive authentication must pass in the benchmark"
    assert first.access_control == access_control, first.access_control
    print(
        f"{label:52} APDUs {stats[0].apdus:3}  bytes {stats[0].bytes_sent + stats[0].bytes_received:6} "
        f"(sent {stats[0].bytes_sent}, received {stats[0].bytes_received})  "
        f"wall {statistics.median(s.wall_seconds for s in stats) * 1000:7.2f} ms  "
        f"transport {statistics.median(s.transport_seconds for s in stats) * 1000:7.2f} ms  "
        f"CPU excl. transport {median_cpu * 1000:6.2f} ms"
        f"  (median of {rounds}; DG2 {len(first.raw_files['DG2'])} bytes)"
    )


def _with_vpcd(citizen, pki, trust_store, rounds):
    from hardware.smartcard.simulator.vpcd import VpcdCardServer
    from hardware.smartcard.transport import PcscTransport

    pcscd = shutil.which("pcscd") or "/usr/sbin/pcscd"
    started = None
    if not Path("/run/pcscd/pcscd.pid").exists():
        started = subprocess.Popen([pcscd, "--foreground", "--error"], start_new_session=True)
    server = VpcdCardServer(lambda: build_chip(citizen, pki, aa=None, pace=13))
    server.start()
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                PcscTransport("Virtual PCD 00 00").close()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        for extended in (True, False):
            _measure(
                f"vpcd, {'extended' if extended else 'short'} length, PACE brainpoolP256r1",
                lambda: PcscTransport("Virtual PCD 00 00"),
                citizen,
                trust_store,
                rounds,
                access_control="PACE",
                extended_length=extended,
            )
    finally:
        server.stop()
        if started is not None:
            started.send_signal(signal.SIGTERM)
            started.wait(timeout=5)
            Path("/run/pcscd/pcscd.pid").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--vpcd", action="store_true", help="also read through pcscd + vpcd")
    args = parser.parse_args()
    citizen, pki = DemoCitizen(), build_test_pki()
    trust_store = TrustStore([pki.csca_certificate])
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; read: EF.CardAccess, BAC or PACE, COM, SOD, "
        f"DG{', DG'.join(map(str, GROUPS))}"
        f", passive authentication (ECDSA P-256)"
    )
    for extended in (True, False):
        _measure(
            f"in-process, {'extended' if extended else 'short'} length",
            lambda e=extended: SimulatedTransport(build_chip(citizen, pki, aa=None, extended_length=e)),
            citizen,
            trust_store,
            args.rounds,
        )
    for parameter_id, curve in ((13, "brainpoolP256r1"), (12, "P-256")):
        _measure(
            f"in-process, extended, PACE-GM-AES128 {curve}",
            lambda p=parameter_id: SimulatedTransport(
                build_chip(citizen, pki, aa=None, pace=p, bac_enabled=False)
            ),
            citizen,
            trust_store,
            args.rounds,
            access_control="PACE",
        )
    if args.vpcd:
        _with_vpcd(citizen, pki, trust_store, args.rounds)


if __name__ == "__main__":
    main()
