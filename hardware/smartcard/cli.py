"""The ``read-card`` command for ``python -m hardware``: read a CCCD chip and print what it holds.
It is the card holder's own tool, so personal data is shown; nothing of it is logged."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from hardware.qr.cccd import parse_cccd_qr
from hardware.qr.errors import QrError
from hardware.smartcard import transport as transport_module
from hardware.smartcard.errors import InvalidAccessKey, SmartcardError
from hardware.smartcard.mrz import AccessKey, access_keys_from_qr
from hardware.smartcard.passive_auth import TrustStore
from hardware.smartcard.reader import CardReadResult, read_card
from hardware.smartcard.result import verdict_of
from hardware.smartcard.simulator.lds_factory import CLONE_VARIANTS
from hardware.smartcard.verdict import ChipVerdict, TrustLevel


def list_readers() -> list[str]:
    """PC/SC reader names, for the ``probe`` command (NoReader if pcscd / pyscard is missing)."""
    return transport_module.list_readers()


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "read-card",
        help="read a chip ID card (CCCD) and verify it",
        description="Read a CCCD / eMRTD chip: PACE or BAC, the data groups EF.SOD signs, chip, passive and "
        "active authentication. The verdict comes last; exit status 0 only for VERIFIED, 1 NOT VERIFIED, "
        "2 the read failed (NOT VERIFIED), 3 DATA AUTHENTIC, CHIP NOT PROVEN.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--reader", metavar="NAME", help="PC/SC reader (part of its name; '' for the first)")
    source.add_argument("--simulator", action="store_true", help="the built-in simulated demo card")
    key = parser.add_argument_group("access key (from the MRZ or from the QR code)")
    key.add_argument("--mrz-doc", help="document number (9 digits on a CCCD)")
    key.add_argument("--mrz-dob", help="date of birth, YYMMDD")
    key.add_argument("--mrz-expiry", help="date of expiry, YYMMDD")
    key.add_argument("--qr", help="the text of the CCCD QR code")
    parser.add_argument("--trust-store", metavar="DIR", help="folder of CSCA certificates (PEM / DER)")
    parser.add_argument("--face-out", metavar="PNG", help="write the face image to this PNG file")
    parser.add_argument(
        "--clone",
        choices=CLONE_VARIANTS,
        help="with --simulator: a cloned card that misbehaves this way (to see the verdict refuse it)",
    )
    parser.add_argument("--json", action="store_true", help="print the verdict last as one JSON line")
    parser.set_defaults(func=run_read_card)


def _access_keys(args: argparse.Namespace) -> list[AccessKey]:
    if args.qr:
        try:
            return access_keys_from_qr(parse_cccd_qr(args.qr))
        except QrError as exc:
            raise InvalidAccessKey(f"--qr is not a card QR code: {exc}") from exc
    if args.mrz_doc and args.mrz_dob and args.mrz_expiry:
        return [AccessKey(args.mrz_doc.upper(), args.mrz_dob, args.mrz_expiry)]
    raise SystemExit("give --qr, or all of --mrz-doc, --mrz-dob and --mrz-expiry")


EXIT_STATUS = {TrustLevel.VERIFIED: 0, TrustLevel.NOT_VERIFIED: 1, TrustLevel.DATA_AUTHENTIC_CHIP_NOT_PROVEN: 3}


def run_read_card(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    trust_store = TrustStore.from_directory(args.trust_store) if args.trust_store else None
    try:
        if args.simulator:
            from hardware.smartcard.simulator import build_chip, build_test_pki
            from hardware.smartcard.simulator.lds_factory import DemoCitizen
            from hardware.smartcard.transport import SimulatedTransport

            pki = build_test_pki()
            transport = SimulatedTransport(build_chip(DemoCitizen(), pki, ca="ecdh", clone=args.clone))
            if trust_store is None:
                trust_store = TrustStore([pki.csca_certificate])
                print("(simulator: trusting its own test CSCA)", file=out)
            keys = _access_keys(args) if (args.qr or args.mrz_doc) else [DemoCitizen().access_key()]
        else:
            if args.clone:
                raise SystemExit("--clone works only with --simulator")
            transport = transport_module.PcscTransport(args.reader or None)
            keys = _access_keys(args)
        with transport:
            result = read_card(transport, keys, trust_store, strict=False)
    except SmartcardError as exc:
        print(f"error: {exc}\n{exc.user_message}", file=out)
        _print_verdict(verdict_of(exc), args, out)
        return 2
    print_result(result, out)
    if args.face_out and result.face_image:
        with open(args.face_out, "wb") as png:
            png.write(result.face_image.to_png())
        print(f"face image written to {args.face_out}", file=out)
    assert result.verdict is not None
    _print_verdict(result.verdict, args, out)
    return EXIT_STATUS[result.verdict.level]


def _print_verdict(verdict: ChipVerdict, args: argparse.Namespace, out: TextIO) -> None:
    for note in verdict.notes:
        print(f"Note: {note}", file=out)
    print(json.dumps(verdict.as_dict(), ensure_ascii=False) if args.json else verdict.line(), file=out)


def print_result(result: CardReadResult, out: TextIO) -> None:
    mrz = result.mrz
    print(
        f"Access control: {result.access_control}; data groups on chip: {list(result.com.data_groups)}",
        file=out,
    )
    print(
        f"DG1 MRZ: {mrz.document_code} {mrz.issuing_state} no. {mrz.document_number} (ID {mrz.personal_id}) "
        f"{mrz.surname} / {mrz.given_names}, born {mrz.birth_date}, sex {mrz.sex}, expires {mrz.expiry_date}",
        file=out,
    )
    for face in result.faces:
        print(f"DG2 face: {face.mime_type} {face.width}x{face.height}, {len(face.image_bytes)} bytes", file=out)
    if result.personal_data:
        print("DG13 personal data:", file=out)
        for name, value in vars(result.personal_data).items():
            if value not in (None, {}, b""):
                print(f"  {name}: {value}", file=out)
    for number, why in sorted(result.unavailable.items()):
        print(f"DG{number}: {why}", file=out)
    print("Passive authentication:", "PASSED" if result.passive_auth.passed else "NOT PASSED", file=out)
    for check in result.passive_auth.checks:
        print(f"  [{check.status.value:7}] {check.name}: {check.detail}", file=out)
    ca = result.chip_auth
    print(f"Chip authentication: {ca.status.value} ({ca.protocol + ': ' if ca.protocol else ''}{ca.detail})", file=out)
    print(f"Active authentication: {result.active_auth.status.value} ({result.active_auth.detail})", file=out)
    for number, why in sorted(result.missing.items()):
        print(f"DG{number} is signed in EF.SOD but missing: {why}", file=out)
    if result.document_expired:
        print("The document has EXPIRED.", file=out)
    if result.stats:
        s = result.stats
        print(
            f"{s.apdus} APDUs, {s.bytes_sent + s.bytes_received} bytes, {s.wall_seconds * 1000:.1f} ms",
            file=out,
        )
