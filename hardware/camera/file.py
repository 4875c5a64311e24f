"""Frames from an image file (one frame, or repeated with ``loop``) or a video file."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from hardware.camera.base import FrameSource
from hardware.camera.errors import CameraError, CameraNotFound, EndOfStream

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"})


class FileFrameSource(FrameSource):
    """Replay a still image or a video file, e.g. a recorded QR scan, as a camera."""

    def __init__(self, path: str | Path, *, loop: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.loop = loop
        self._image: np.ndarray | None = None
        self._video: cv2.VideoCapture | None = None
        self._image_served = False

    @property
    def is_image(self) -> bool:
        return self.path.suffix.lower() in IMAGE_SUFFIXES

    def _open(self) -> None:
        if not self.path.is_file():
            raise CameraNotFound(f"frame file {self.path} does not exist")
        if self.is_image:
            # imdecode instead of imread: it reports failure the same way for every path, and handles
            # non-ASCII file names on every platform.
            image = cv2.imdecode(np.fromfile(self.path, dtype=np.uint8), cv2.IMREAD_COLOR)
            if image is None:
                raise CameraError(f"{self.path} is not a readable image")
            self._image = image
            self._image_served = False
        else:
            video = cv2.VideoCapture(str(self.path))
            if not video.isOpened():
                video.release()
                raise CameraError(f"{self.path} is not a readable video")
            self._video = video

    def _read(self) -> np.ndarray:
        if self._image is not None:
            if self._image_served and not self.loop:
                raise EndOfStream(f"{self.path} has one frame")
            self._image_served = True
            return self._image.copy()
        assert self._video is not None
        ok, frame = self._video.read()
        if not ok and self.loop:
            self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._video.read()
        if not ok or frame is None:
            raise EndOfStream(f"{self.path} has no more frames")
        return frame

    def _close(self) -> None:
        self._image = None
        if self._video is not None:
            self._video.release()
            self._video = None
