"""``decode(frame) -> payloads``: find QR codes in a camera frame and return their text.

zbar (binary mode, UTF-8 decoded here) does the work. When it finds nothing, zbar gets a second look at a
sharpened frame, then OpenCV's detectors are tried: these passes cost time only on frames without a result."""

from __future__ import annotations

import logging
import unicodedata

import cv2
import numpy as np

from hardware.qr._zbar import scan_qr_bytes
from hardware.qr.errors import UnreadableQr

logger = logging.getLogger(__name__)


def decode(frame: np.ndarray, *, fallback: bool = True) -> list[str]:
    """Payloads of the QR codes in ``frame`` (BGR, BGRA or grey uint8), NFC-normalized, without duplicates.

    An empty list means no QR code was found. Payload bytes are read as UTF-8; bytes that are not UTF-8 are
    read as ISO 8859-1, the QR standard's default charset, rather than guessed at."""
    grey = to_grey(frame)
    raw_payloads = scan_qr_bytes(grey)
    if not raw_payloads and fallback:
        raw_payloads = scan_qr_bytes(_unsharp(grey))
        if raw_payloads:
            logger.debug("zbar found %d QR code(s) after sharpening", len(raw_payloads))
    if not raw_payloads and fallback:
        raw_payloads = _opencv_payloads(grey)
        if raw_payloads:
            logger.debug("zbar found no QR code; OpenCV found %d", len(raw_payloads))
    payloads: list[str] = []
    for raw in raw_payloads:
        text = unicodedata.normalize("NFC", bytes_to_text(raw))
        if text not in payloads:
            payloads.append(text)
    return payloads


def decode_one(frame: np.ndarray) -> str:
    """The single QR payload in ``frame``; UnreadableQr when there is none or more than one."""
    payloads = decode(frame)
    if not payloads:
        raise UnreadableQr("no QR code found in the frame")
    if len(payloads) > 1:
        raise UnreadableQr(f"{len(payloads)} different QR codes in the frame; show one at a time")
    return payloads[0]


def bytes_to_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        logger.debug("QR payload of %d bytes is not UTF-8; reading it as ISO 8859-1", len(raw))
        return raw.decode("latin-1")


def to_grey(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.size == 0:
        raise ValueError("frame must be a non-empty numpy array")
    if frame.dtype != np.uint8:
        raise ValueError(f"frame must be uint8, not {frame.dtype}")
    if frame.ndim == 2:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    if frame.ndim == 3 and frame.shape[2] == 1:
        return frame[:, :, 0]
    raise ValueError(f"frame shape {frame.shape} is neither grey nor BGR(A)")


def _unsharp(grey: np.ndarray) -> np.ndarray:
    # Defocus and motion soften module edges below zbar's binariser; an unsharp mask restores most of them
    # (on simulated hard frames it recovers about half of zbar's misses, where OpenCV recovered none).
    return cv2.addWeighted(grey, 1.8, cv2.GaussianBlur(grey, (0, 0), 2.0), -0.8, 0)


def _opencv_payloads(grey: np.ndarray) -> list[bytes]:
    # The ArUco-based detector finds far more codes than the classic one on camera frames; the classic one
    # still catches a few the other misses. Both return raw bytes through the *Bytes* calls (OpenCV >= 4.11).
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        try:
            ok, decoded, _points, _straight = detector.detectAndDecodeBytesMulti(grey)
        except cv2.error as exc:
            logger.debug("OpenCV QR detector failed: %s", exc)
            continue
        found = [bytes(item) for item in (decoded or ()) if item is not None and len(item)]
        if ok and found:
            return found
    return []
