"""A camera (device index) or network stream (RTSP/HTTP URL) read through OpenCV's VideoCapture."""

from __future__ import annotations

import logging

import cv2
import numpy as np

from hardware.camera.base import FrameSource
from hardware.camera.errors import CameraNotFound, FrameReadError

logger = logging.getLogger(__name__)


class OpenCvCamera(FrameSource):
    """``OpenCvCamera(0)`` for /dev/video0, ``OpenCvCamera("rtsp://...")`` for a stream."""

    def __init__(self, source: int | str, *, width: int | None = 1280, height: int | None = 720) -> None:
        super().__init__()
        self.source = source
        self.width = width
        self.height = height
        self._capture: cv2.VideoCapture | None = None

    def _open(self) -> None:
        capture = cv2.VideoCapture(self.source)
        if not capture.isOpened():
            capture.release()
            raise CameraNotFound(f"camera {_describe(self.source)} cannot be opened")
        if isinstance(self.source, int):
            # A request, not a guarantee: the driver picks the nearest mode it has.
            if self.width:
                capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            if self.height:
                capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        self._capture = capture
        logger.info("camera %s opened", _describe(self.source))

    def _read(self) -> np.ndarray:
        assert self._capture is not None
        ok, frame = self._capture.read()
        if not ok or frame is None:
            raise FrameReadError(f"camera {_describe(self.source)} returned no frame")
        return frame

    def _close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


def _describe(source: int | str) -> str:
    if isinstance(source, int):
        return f"#{source}"
    # Stream URLs may carry credentials (rtsp://user:pass@host/...): never log them.
    scheme, sep, rest = source.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def probe_indices(max_index: int) -> list[int]:
    """Device indices 0..max_index-1 that OpenCV can open and read a frame from."""
    found = []
    for index in range(max_index):
        capture = cv2.VideoCapture(index)
        try:
            if capture.isOpened() and capture.read()[0]:
                found.append(index)
        finally:
            capture.release()
    return found
