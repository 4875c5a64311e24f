"""Full chip read (BAC or PACE [+ chip authentication] + EF.COM + EF.SOD + the data groups EF.SOD signs: DG1,
DG2 ~15 KB, DG13, DG14, DG15 + passive and active authentication) against the simulated CCCD: APDUs, bytes
moved, wall time and CPU time outside the transport, and the APDU count against the minimum for the bytes
read (protocol commands + the fewest READ BINARYs the length mode allows for each file).

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

from hardware.smartcard import sm
from hardware.smartcard.apdu import EXTENDED_MAX_LE
from hardware.smartcard.passive_auth import TrustStore
from hardware.smartcard.reader import EmrtdReader
from hardware.smartcard.simulator import DemoCitizen, build_chip, build_test_pki
from hardware.smartcard.transport import SimulatedTransport

GROUPS = None  # the reader's default: every group EF.SOD signs that needs no extended access control


class CountingTransport(SimulatedTransport):
    """Counts READ BINARY commands apart from the protocol's other commands."""

    def __init__(self, chip):
        super().__init__(chip)
        self.read_binaries = 0

    def _transmit(self, command: bytes) -> bytes:
        # Protected ones only: the plain EF.CardAccess probe before access control is a protocol step.
        self.read_binaries += command[1] == 0xB0 and command[0] & 0x0C == 0x0C
        return super()._transmit(command)


def _minimum_reads(result, extended: bool) -> int:
    """The fewest READ BINARYs for these files: the largest payload a protected response can carry in the
    length mode, with the block size of the session each file was read under (AES after CA-AES or PACE)."""
    aes_after = result.access_control == "PACE" or (result.chip_auth.passed and "AES" in result.chip_auth.protocol)
    # EF.CardSecurity (PACE-CAM) is read like any other file: it counts in the minimum too.
    total = 0
    for name, raw in result.raw_files.items():
        block = 16 if aes_after and name not in ("COM", "SOD", "DG14") or result.access_control == "PACE" else 8
        largest = EXTENDED_MAX_LE - 6 - block - 4 - 10 if extended else sm.max_short_read(block)
        total += -(-len(raw) // largest)
    return total


def _measure(label, make_transport, citizen, trust_store, rounds, *, access_control="BAC", **reader_options):
    results, transports = [], []
    for _ in range(rounds):
        with make_transport() as transport:
            transports.append(transport)
            results.append(EmrtdReader(transport, **reader_options).read(citizen.access_key(), trust_store))
    stats = [r.stats for r in results]
    median_cpu = statistics.median(s.cpu_seconds_excluding_transport for s in stats)
    first = results[0]
    assert first.verdict.level.value in ("verified", "data_authentic_chip_not_proven"), first.verdict
    assert first.access_control == access_control, first.access_control
    print(
        f"{label:52} APDUs {stats[0].apdus:3}  bytes {stats[0].bytes_sent + stats[0].bytes_received:6} "
        f"(sent {stats[0].bytes_sent}, received {stats[0].bytes_received})  "
        f"wall {statistics.median(s.wall_seconds for s in stats) * 1000:7.2f} ms  "
        f"transport {statistics.median(s.transport_seconds for s in stats) * 1000:7.2f} ms  "
        f"CPU excl. transport {median_cpu * 1000:6.2f} ms"
        f"  (median of {rounds}; DG2 {len(first.raw_files['DG2'])} bytes; CA {first.chip_auth.protocol or 'none'})"
    )
    reads = getattr(transports[0], "read_binaries", None)
    if reads is not None:
        extended = reader_options.get("extended_length", True)
        minimum = stats[0].apdus - reads + _minimum_reads(first, extended)
        print(
            f"{'':52} {first.verdict.label}; READ BINARY {reads} (minimum {_minimum_reads(first, extended)}), "
            f"protocol {stats[0].apdus - reads}; APDUs {stats[0].apdus} vs minimum {minimum}: "
            f"+{(stats[0].apdus / minimum - 1) * 100:.1f} %"
        )


def _with_vpcd(citizen, pki, trust_store, rounds):
    from hardware.smartcard.simulator.vpcd import VpcdCardServer
    from hardware.smartcard.transport import PcscTransport

    pcscd = shutil.which("pcscd") or "/usr/sbin/pcscd"
    started = None
    if not Path("/run/pcscd/pcscd.pid").exists():
        started = subprocess.Popen([pcscd, "--foreground", "--error"], start_new_session=True)
    server = VpcdCardServer(lambda: build_chip(citizen, pki, ca="ecdh", pace=13))
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
                f"vpcd, {'extended' if extended else 'short'}, PACE brainpool + CA-ECDH-AES128",
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
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; read: EF.CardAccess, BAC or PACE, [CA], COM, "
        "SOD, DG14, DG1, DG2, DG13, DG15, passive authentication (ECDSA P-256), active authentication (ECDSA)"
    )
    scenarios = [
        ("BAC", {}, "BAC"),
        ("BAC + CA-ECDH-AES128 P-256", {"ca": "ecdh"}, "BAC"),
        ("BAC + CA-DH-3DES RFC 5114 (chained when short)", {"ca": "dh", "ca_cipher": "3DES"}, "BAC"),
        ("PACE brainpool + CA-ECDH-AES128", {"ca": "ecdh", "pace": 13, "bac_enabled": False}, "PACE"),
        ("PACE-CAM brainpool (chip proven during PACE)", {"pace": 13, "cam": True, "bac_enabled": False}, "PACE"),
        (
            "PACE brainpool + CA-ECDH-AES256 (explicit curve)",
            {"ca": "ecdh-explicit", "ca_cipher": "AES-256", "pace": 13, "bac_enabled": False},
            "PACE",
        ),
    ]
    for label, options, access_control in scenarios:
        for extended in (True, False):
            _measure(
                f"in-process, {'extended' if extended else 'short'}, {label}",
                lambda o=options, e=extended: CountingTransport(build_chip(citizen, pki, extended_length=e, **o)),
                citizen,
                trust_store,
                args.rounds,
                access_control=access_control,
                extended_length=extended,
            )
    if args.vpcd:
        _with_vpcd(citizen, pki, trust_store, args.rounds)


if __name__ == "__main__":
    main()
