"""``python -m hardware``: probe devices, scan a QR code, print a test ticket (and ``read-card`` from
hardware.smartcard when that package is present)."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from hardware.config import HardwareConfig, HardwareConfigError, open_camera, open_printer
from hardware.errors import HardwareError

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    handler: Callable[[argparse.Namespace], int | None] | None = getattr(args, "handler", None) or getattr(
        args, "func", None
    )
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args) or 0
    except HardwareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hardware", description="congdan kiosk devices")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    probe = commands.add_parser("probe", help="list cameras, card readers and the configured printer")
    probe.add_argument("--max-index", type=int, default=4, help="camera indices to try (default 4)")
    probe.set_defaults(handler=cmd_probe)

    scan = commands.add_parser("scan-qr", help="read QR codes from a camera, an image or the simulator")
    source = scan.add_mutually_exclusive_group(required=True)
    source.add_argument("--camera", metavar="INDEX|URL", help="OpenCV camera index or stream URL")
    source.add_argument("--image", metavar="FILE", type=Path, help="image or video file")
    source.add_argument("--simulator", action="store_true", help="synthetic card frames")
    scan.add_argument("--frames", type=int, default=30, help="give up after this many frames (default 30)")
    scan.add_argument("--seed", type=int, default=0, help="simulator seed")
    scan.add_argument("--jwks", type=Path, help="JWKS file to verify signed identity QRs with")
    scan.add_argument("--show-personal-data", action="store_true", help="print ID numbers unmasked")
    scan.set_defaults(handler=cmd_scan_qr)

    ticket = commands.add_parser("print-ticket", help="print a queue ticket")
    ticket.add_argument("--printer", metavar="SPEC", help="printer spec (default: $CONGDAN_PRINTER)")
    ticket.add_argument("--demo", action="store_true", required=True, help="print the demo ticket")
    ticket.add_argument("--width", type=int, default=None, help="paper width in dots (576 for 80 mm, 384 for 58 mm)")
    ticket.add_argument("--image-qr", action="store_true", help="send the QR as an image, not the native command")
    ticket.add_argument("--preview", type=Path, help="also write a PNG preview here")
    ticket.set_defaults(handler=cmd_print_ticket)

    _add_smartcard_commands(commands)
    return parser


def _add_smartcard_commands(commands: Any) -> None:
    """``read-card`` lives in hardware.smartcard.cli, built separately: the CLI works without it."""
    try:
        smartcard_cli = importlib.import_module("hardware.smartcard.cli")
    except ImportError as exc:
        logger.debug("smartcard commands unavailable: %s", exc)
        return
    try:
        smartcard_cli.add_commands(commands)
    except Exception:  # a broken optional plug-in must not take the other commands down with it
        logger.exception("hardware.smartcard.cli.add_commands failed")


def cmd_probe(args: argparse.Namespace) -> int:
    from hardware.camera.opencv import probe_indices

    _quiet_opencv()
    found = probe_indices(args.max_index)
    print(f"cameras (indices below {args.max_index}): {', '.join(map(str, found)) if found else 'none found'}")

    try:
        readers = importlib.import_module("hardware.smartcard.cli").list_readers()
        print(f"card readers: {', '.join(map(str, readers)) if readers else 'none found'}")
    except Exception as exc:
        print(f"card readers: unavailable ({type(exc).__name__}: {exc})")

    try:
        config = HardwareConfig.from_mapping(os.environ)
    except HardwareConfigError as exc:
        print(f"configuration: {exc}")
        return 1
    print(f"configured camera: {config.camera or 'not set'}")
    print(f"configured card reader: {config.card_reader.text if config.card_reader else 'not set'}")
    if config.printer is None:
        print("configured printer: not set (CONGDAN_PRINTER)")
    else:
        try:
            printer = config.open_printer()
            print(f"configured printer: {config.printer.kind}, status {printer.status().value}")
            printer.close()
        except HardwareError as exc:
            print(f"configured printer: {config.printer.kind}, {type(exc).__name__}: {exc}")
    return 0


def cmd_scan_qr(args: argparse.Namespace) -> int:
    from hardware.camera import CameraError, EndOfStream
    from hardware.qr import decode

    if args.simulator:
        spec = f"simulator:{args.seed}"
    elif args.image is not None:
        spec = f"file:{args.image}"
    else:
        spec = f"opencv:{args.camera}"
        _quiet_opencv()
    jwks = json.loads(args.jwks.read_text(encoding="utf-8")) if args.jwks else None
    with open_camera(spec) as camera:
        for index in range(args.frames):
            try:
                frame = camera.read()
            except EndOfStream:
                break
            except CameraError as exc:
                print(f"frame {index}: {exc}", file=sys.stderr)
                continue
            payloads = decode(frame)
            if payloads:
                for payload in payloads:
                    _describe_payload(payload, jwks, args.show_personal_data)
                return 0
    print("no QR code found")
    return 1


def _describe_payload(payload: str, jwks: dict[str, Any] | None, unmasked: bool) -> None:
    from hardware.qr import (
        QrError,
        QrKind,
        classify_qr,
        parse_cccd_qr,
        parse_document_link,
        verify_document_qr,
        verify_identity_qr,
    )
    from hardware.qr.signed import read_header
    from shared_schemas.personal_id import vietnamese_sex
    from shared_schemas.text import mask_personal_id

    def masked(number: str | None) -> str | None:
        return number if unmasked or number is None else mask_personal_id(number)

    kind = classify_qr(payload)
    print(f"payload ({kind.value}): {payload if unmasked or kind is QrKind.UNKNOWN else '<hidden>'}")
    try:
        if kind is QrKind.CCCD:
            record = parse_cccd_qr(payload)
            print(f"  id_number:     {masked(record.id_number)}")
            print(f"  old_id_number: {masked(record.old_id_number)}")
            print(f"  full_name:     {record.full_name}")
            print(f"  date_of_birth: {record.date_of_birth.isoformat()}")
            print(f"  sex:           {vietnamese_sex(record.sex)}")
            print(f"  address:       {record.address}")
            print(f"  issue_date:    {record.issue_date.isoformat()}")
            if record.extra_fields:
                print(f"  extra_fields:  {list(record.extra_fields)}")
        elif kind is QrKind.SIGNED_IDENTITY:
            if jwks is None:
                print(f"  not verified (no --jwks); header {read_header(payload)}")
                return
            claims = verify_identity_qr(payload, jwks, time.time())
            print(f"  verified with key {claims.key_id} from {claims.issuer}")
            print(f"  personal_id:   {masked(claims.personal_id)}")
            print(f"  full_name:     {claims.full_name}")
            print(f"  date_of_birth: {claims.date_of_birth.isoformat()}")
            print(f"  account_level: {claims.account_level}")
            print(f"  expires_at:    {datetime.fromtimestamp(claims.expires_at).isoformat()}")
        elif kind is QrKind.DOCUMENT_LINK:
            link = parse_document_link(payload)
            print(f"  document verification link: open {link.url}")
            print(f"  short_id:      {link.short_id}")
        elif kind is QrKind.SIGNED_DOCUMENT:
            if jwks is None:
                print(f"  not verified (no --jwks); header {read_header(payload)}")
                return
            document = verify_document_qr(payload, jwks, time.time())
            print(f"  verified with key {document.key_id} from {document.issuer}")
            print(f"  doc_type:      {document.doc_type}")
            print(f"  document_id:   {document.document_id}")
            print(f"  holder:        {document.holder}")
            print(f"  expires_at:    {datetime.fromtimestamp(document.expires_at).isoformat()}")
    except QrError as exc:
        print(f"  invalid: {type(exc).__name__}: {exc}")


def cmd_print_ticket(args: argparse.Namespace) -> int:
    from hardware.printer import render_png
    from hardware.printer.ticket import demo_ticket

    config = HardwareConfig.from_mapping(os.environ)
    spec = args.printer or (os.environ.get("CONGDAN_PRINTER") or "").strip()
    if not spec:
        raise HardwareConfigError("no printer given (--printer SPEC or CONGDAN_PRINTER)")
    width = args.width or config.printer_paper_width_px
    ticket = demo_ticket(datetime.now())
    printer = open_printer(spec, paper_width_px=width, native_qr=not args.image_qr and config.printer_native_qr)
    try:
        printer.print_ticket(ticket)
        output = getattr(printer.device, "output", None)
        if output is not None:
            print(f"dummy printer recorded {len(output)} bytes")
        print(f"printed ticket {ticket.ticket_id} (printer status: {printer.status().value})")
    finally:
        printer.close()
    if args.preview:
        args.preview.write_bytes(render_png(ticket, width))
        print(f"preview written to {args.preview}")
    return 0


def _quiet_opencv() -> None:
    # OpenCV reports every index it cannot open on stderr; a probe expects most to fail.
    try:
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except (ImportError, AttributeError):
        pass
