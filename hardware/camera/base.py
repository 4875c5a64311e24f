"""The abstract frame source every camera implementation provides (like kivy.core.camera's provider)."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from types import TracebackType
from typing import Self

import numpy as np

from hardware.camera.errors import EndOfStream


class FrameSource(abc.ABC):
    """Something that yields frames: ``uint8`` numpy arrays, BGR (H×W×3) or grey (H×W).

    Use as a context manager; ``read()`` opens the source on first use. Iterating yields frames until the
    source ends (files) or forever (cameras, simulator)."""

    def __init__(self) -> None:
        self._opened = False

    @property
    def is_open(self) -> bool:
        return self._opened

    def open(self) -> None:
        if not self._opened:
            self._open()
            self._opened = True

    def read(self) -> np.ndarray:
        """The next frame. Raises FrameReadError, EndOfStream, or CameraNotFound when it cannot open."""
        self.open()
        return self._read()

    def close(self) -> None:
        if self._opened:
            self._opened = False
            self._close()

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            try:
                yield self.read()
            except EndOfStream:
                return

    @abc.abstractmethod
    def _open(self) -> None: ...

    @abc.abstractmethod
    def _read(self) -> np.ndarray: ...

    def _close(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Release what ``_open`` acquired; sources without resources keep this default."""
