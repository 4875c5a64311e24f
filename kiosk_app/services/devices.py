"""Device work for the kiosk, through hardware/ only: identify a patient by chip (the card's QR opens the
chip), by a QR (the card's or the app's signed one), and print the ticket. Runs on worker threads."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hardware import qr
from hardware.errors import HardwareError
from hardware.printer import QueueTicket
from hardware.smartcard import access_keys_from_qr, read_card
from kiosk_app.chip_trust import CARD_NOT_CONFIRMED
from kiosk_app.flow import Identity, Message, TicketView
from kiosk_app.services.chip_errors import chip_message
from shared_schemas.clock import VIETNAM_TZ as VIETNAM

log = logging.getLogger(__name__)

GENERIC_FAILURE = Message(
    "Có lỗi xảy ra. Vui lòng thử lại hoặc đến quầy tiếp đón số 1.",
    "Something went wrong. Please try again or go to reception counter 1.",
)
NO_QR = Message(
    "Chưa thấy mã QR. Vui lòng đưa mã QR vào trước camera.",
    "No QR code seen yet. Please hold the QR code in front of the camera.",
)
UNKNOWN_QR = Message(
    "Mã QR này không phải thẻ căn cước hay mã định danh của ứng dụng.",
    "This QR code is neither an ID card nor the app's identity code.",
)
NOT_VERIFIED = CARD_NOT_CONFIRMED


class IdentifyError(Exception):
    """A failure with a message for the patient (hardware errors carry theirs)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.en)
        self.message = message


def patient_message(exc: BaseException) -> Message:
    if isinstance(exc, IdentifyError):
        return exc.message
    chip = chip_message(exc)
    if chip is not None:
        return chip
    if isinstance(exc, HardwareError):
        return Message(exc.user_message_vi, exc.user_message_en)
    log.exception("unexpected device failure", exc_info=exc)
    return GENERIC_FAILURE


@dataclass
class Devices:
    """Factories for the configured devices (simulators by default; see kiosk_app.config)."""

    open_camera: Callable[[], Any]
    open_card_transport: Callable[[], Any]
    trust_store: Any  # hardware.smartcard.TrustStore or None (then the chain check is skipped: not verified)
    printer: Any  # hardware.printer.TicketPrinter
    jwks: Callable[[], dict]  # the cached JWKS for the app's signed QR
    scan_timeout_s: float = 8.0
    # (challenge id, nonce) from the backend for the chip to sign, or None offline (CheckinService.chip_challenge)
    chip_challenge: Callable[[], tuple[str, bytes] | None] = lambda: None


class IdentityReader:
    def __init__(self, devices: Devices, *, clock: Callable[[], float] = time.time) -> None:
        self.devices = devices
        self.clock = clock

    def scan_payload(self) -> str:
        camera = self.devices.open_camera()
        deadline = time.monotonic() + self.devices.scan_timeout_s
        try:
            while time.monotonic() < deadline:
                payloads = qr.decode(camera.read())
                if payloads:
                    return payloads[0]
        finally:
            camera.close()
        raise IdentifyError(NO_QR)

    def identify_by_qr(self) -> Identity:
        """The card's QR (identity only; not usable offline) or the app's signed QR (verified here)."""
        payload = self.scan_payload()
        kind = qr.classify_qr(payload)
        if kind is qr.QrKind.CCCD:
            record = qr.parse_cccd_qr(payload)
            return Identity("cccd_qr", record.id_number, record.date_of_birth.isoformat(), record.full_name)
        if kind is qr.QrKind.SIGNED_IDENTITY:
            try:
                claims = qr.verify_identity_qr(payload, self.devices.jwks(), self.clock())
            except Exception as exc:
                exc.scan_method = "signed_qr"  # the fleet metrics count it against the app's QR
                raise
            return Identity(
                "signed_qr",
                claims.personal_id,
                claims.date_of_birth.isoformat(),
                claims.full_name,
                token_id=claims.token_id,
                verified_locally=True,
                identity_token=payload.strip(),
            )
        raise IdentifyError(UNKNOWN_QR)

    def identify_by_chip(self) -> Identity:
        """Scan the card's QR for the chip's access key, then read and verify the chip (passive
        authentication against the CSCA trust store, active authentication). The files as read, and the
        chip's answer to the backend's challenge, go to the backend, which verifies them itself."""
        payload = self.scan_payload()
        if qr.classify_qr(payload) is not qr.QrKind.CCCD:
            raise IdentifyError(UNKNOWN_QR)
        record = qr.parse_cccd_qr(payload)
        challenge = self.devices.chip_challenge()
        transport = self.devices.open_card_transport()
        try:
            # The chip signs the backend's nonce during the read (Active Authentication), so the backend can
            # check the answer itself; offline, the reader's own random challenge proves the chip to us only.
            result = read_card(
                transport,
                access_keys_from_qr(record),
                self.devices.trust_store,
                strict=True,
                aa_challenge=challenge[1] if challenge is not None else None,
            )
        finally:
            close = getattr(transport, "close", None)
            if close:
                close()
        if not result.passive_auth.passed:
            raise IdentifyError(NOT_VERIFIED)
        data = result.personal_data
        if data is None or data.personal_id != record.id_number:
            raise IdentifyError(NOT_VERIFIED)
        born = datetime.strptime(data.birth_date or "", "%d/%m/%Y").date()
        face = result.face_image
        verdict = result.verdict.level.value if result.verdict else None
        answer = result.active_auth.signature if challenge is not None and result.active_auth.passed else None
        return Identity(
            "chip",
            data.personal_id,
            born.isoformat(),
            data.full_name,
            passive_auth_passed=True,
            face_jpeg=face.image_bytes if face and face.mime_type == "image/jpeg" else None,
            verified_locally=True,
            trust_level=verdict,
            chip_evidence=chip_evidence(result.raw_files, challenge, answer, verdict),
        )


def chip_evidence(
    raw_files: dict[str, bytes], challenge: tuple[str, bytes] | None, answer: bytes | None, verdict: str | None
) -> dict:
    """What the backend verifies (shared_schemas.identification.ChipEvidenceSchema): EF.SOD, DG1, DG13, DG14,
    DG15 as read (never DG2: the face stays on the kiosk), the challenge answered, and this reader's verdict."""
    evidence = {
        name.lower(): base64.b64encode(raw_files[name]).decode("ascii")
        for name in ("SOD", "DG1", "DG13", "DG14", "DG15")
        if name in raw_files
    }
    if challenge is not None:
        evidence["challenge_id"] = challenge[0]
        if answer is not None:
            evidence["aa_signature"] = base64.b64encode(answer).decode("ascii")
    if verdict is not None:
        evidence["kiosk_verdict"] = verdict
    return evidence


def print_ticket(printer, ticket: TicketView, *, facility_name: str, patient_name: str, personal_id: str) -> None:
    """Print on the receipt printer (it masks the name and ID); PrinterError carries the patient message."""
    printer.print_ticket(
        QueueTicket(
            facility_name=facility_name,
            department=ticket.department.name,
            queue_number=ticket.number,
            patient_name=patient_name,
            patient_id=personal_id,
            issued_at=datetime.now(VIETNAM),
            insurance_status=ticket.insurance.vi,
            ticket_id=ticket.ticket_id,
            provisional=ticket.provisional,
            location=ticket.department.location or "",
        )
    )
