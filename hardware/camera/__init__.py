"""Frame sources: the abstract FrameSource, an OpenCV camera/stream, image/video files, and a simulator."""

from hardware.camera.base import FrameSource
from hardware.camera.errors import CameraError, CameraNotFound, EndOfStream, FrameReadError
from hardware.camera.file import FileFrameSource
from hardware.camera.opencv import OpenCvCamera
from hardware.camera.simulator import DEFAULT_PAYLOAD, SceneOptions, SimulatedCamera, render_scene

__all__ = [
    "DEFAULT_PAYLOAD",
    "CameraError",
    "CameraNotFound",
    "EndOfStream",
    "FileFrameSource",
    "FrameReadError",
    "FrameSource",
    "OpenCvCamera",
    "SceneOptions",
    "SimulatedCamera",
    "render_scene",
]
