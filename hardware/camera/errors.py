"""Errors of frame sources (cameras, image/video files, the simulator)."""

from __future__ import annotations

from hardware.errors import HardwareError, NoDevice


class CameraError(HardwareError):
    """Base of every camera error."""

    user_message_vi = "Camera gặp sự cố. Vui lòng liên hệ nhân viên."
    user_message_en = "The camera has a problem. Please ask a staff member."


class CameraNotFound(NoDevice, CameraError):
    """The configured camera (index, stream URL or file) cannot be opened."""


class FrameReadError(CameraError):
    """The camera is open but returned no frame (unplugged, stream dropped)."""


class EndOfStream(CameraError):
    """A file source has no more frames."""
