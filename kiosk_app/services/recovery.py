"""The kiosk's side of account recovery: the chip read for the backend (with DG2, which check-ins never send),
camera frames as JPEG, and the calls to the backend, which verifies the card and matches the face itself."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import cv2

from hardware.camera.base import FrameSource
from hardware.smartcard.reader import EmrtdReader

FRAME_COUNT = 6  # the backend accepts 3-8; six at 4 per second cover a blink or a turn
FRAME_INTERVAL_S = 0.25
JPEG_QUALITY = 85
FRAME_SIDE = 640  # the backend detects on 480 px; more only costs upload time


def recovery_evidence(raw_files: dict[str, bytes], challenge_id: str, answer: bytes | None) -> dict:
    """EF.SOD and the data groups as read, DG2 included (the backend checks its hash in the signed EF.SOD)."""
    evidence = {
        name.lower(): base64.b64encode(raw_files[name]).decode("ascii")
        for name in ("SOD", "DG1", "DG2", "DG13", "DG14", "DG15")
        if name in raw_files
    }
    evidence["challenge_id"] = challenge_id
    if answer is not None:
        evidence["aa_signature"] = base64.b64encode(answer).decode("ascii")
    return evidence


def read_card(transport, access_key, attempt: dict) -> tuple[dict, bytes | None]:
    """Read the card with the backend's challenge as the AA nonce; returns the evidence and the chip photo."""
    challenge = base64.b64decode(attempt["challenge"])
    result = EmrtdReader(transport).read(access_key, aa_challenge=challenge)
    answer = result.active_auth.signature if result.active_auth.passed else None
    face = result.face_image
    photo = face.image_bytes if face and face.mime_type == "image/jpeg" else None
    return recovery_evidence(result.raw_files, attempt["challenge_id"], answer), photo


def capture_frames(
    camera: FrameSource,
    *,
    count: int = FRAME_COUNT,
    interval_s: float = FRAME_INTERVAL_S,
    sleep: Callable[[float], None] = time.sleep,
) -> list[bytes]:
    """`count` JPEG frames in capture order, as the sensor took them (not mirrored: turn directions count)."""
    frames = []
    for index in range(count):
        if index:
            sleep(interval_s)
        frame = camera.read()
        side = max(frame.shape[:2])
        if side > FRAME_SIDE:
            frame = cv2.resize(frame, None, fx=FRAME_SIDE / side, fy=FRAME_SIDE / side, interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if ok:
            frames.append(jpeg.tobytes())
    return frames


def chip_reader(scan_payload: Callable[[], str], open_card_transport: Callable[[], object]):
    """The recovery's chip read on the kiosk's devices: the card's QR (camera) opens the chip, as at check-in."""
    from hardware import qr
    from hardware.smartcard import access_keys_from_qr
    from kiosk_app.services.devices import UNKNOWN_QR, IdentifyError

    def read(attempt: dict) -> tuple[dict, bytes | None]:
        payload = scan_payload()
        if qr.classify_qr(payload) is not qr.QrKind.CCCD:
            raise IdentifyError(UNKNOWN_QR)
        access_key = access_keys_from_qr(qr.parse_cccd_qr(payload))
        transport = open_card_transport()
        try:
            return read_card(transport, access_key, attempt)
        finally:
            close = getattr(transport, "close", None)
            if close:
                close()

    return read


def frame_capture(open_camera: Callable[[], FrameSource], *, sleep: Callable[[float], None] = time.sleep):
    """The recovery's frames from the kiosk's camera, opened for the capture only."""

    def capture(_attempt: dict) -> list[bytes]:
        camera = open_camera()
        try:
            return capture_frames(camera, sleep=sleep)
        finally:
            camera.close()

    return capture
