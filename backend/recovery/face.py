"""Face matching for account recovery, run by the backend on the frames the kiosk sends: the live face against
the chip's DG2 photo, plus the liveness check (liveness.py).

dlib's ResNet face descriptor (128 numbers) and its HOG face detector and 68-point landmark model, the model
files from the `face_recognition_models` package (installed from PyPI; nothing is downloaded at run time).
dlib reports 99.38 % on LFW at a Euclidean distance threshold of 0.6; we use 0.5 (MATCH_THRESHOLD) because a
false accept hands an account to someone else while a false reject only calls a member of staff. Images are
numpy arrays in memory: nothing here writes to disk, and callers drop their references when the attempt ends."""

from __future__ import annotations

import importlib.util
import io
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backend.recovery import liveness

MATCH_THRESHOLD = 0.5
#: Pixels of a submitted camera frame, checked from the header before decoding (bytes and count: the schema).
MAX_FRAME_SIDE = 1280
#: Frames are scaled so their longer side is at most this before detection: a face at a kiosk fills a good
#: part of the picture, and detection cost grows with the pixel count.
DETECT_SIDE = 480
#: A live face at a kiosk is close to the camera; a smaller one (someone behind, a badge, a poster) is ignored.
MIN_FACE_WIDTH = 80

_models = None
_models_lock = threading.Lock()


class FaceModelsMissing(RuntimeError):
    """dlib or the face_recognition_models package is not installed (the `face` extra)."""


class ImageRefused(ValueError):
    """A frame or photo that is not an image we accept."""


@dataclass
class FaceCheck:
    """The outcome: `distance` to the chip photo (lower is closer; None when no usable face), liveness, and
    the CPU time the check took."""

    matched: bool
    distance: float | None
    live: liveness.LivenessResult
    reason: str  # "" | no-face-on-chip | no-face | face-mismatch | no-blink | no-head-turn | ...
    cpu_seconds: float = 0.0
    faces_found: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.matched and self.live.passed


def _model_dir() -> Path:
    # Located without importing the package: its __init__ needs pkg_resources, which newer setuptools lack.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelsMissing("the face_recognition_models package is not installed (pip install '.[face]')")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def models():
    """(detector, landmark predictor, descriptor network), loaded once per process (about 1 s of CPU)."""
    global _models
    with _models_lock:
        if _models is None:
            try:
                import dlib
            except ImportError as exc:
                raise FaceModelsMissing("dlib is not installed (pip install '.[face]')") from exc
            folder = _model_dir()
            _models = (
                dlib.get_frontal_face_detector(),
                dlib.shape_predictor(str(folder / "shape_predictor_68_face_landmarks.dat")),
                dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat")),
            )
        return _models


def decode_image(raw: bytes, *, max_side: int = MAX_FRAME_SIDE) -> np.ndarray:
    """RGB pixels of a JPEG/PNG/JPEG 2000 image, refusing oversized ones before decoding them."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in ("JPEG", "PNG", "JPEG2000"):
                raise ImageRefused("frames must be JPEG or PNG")
            if max(image.size) > max_side or min(image.size) < 64:
                raise ImageRefused(f"an image must be 64 to {max_side} pixels a side")
            return np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ImageRefused("not a readable image") from exc


def _scaled(image: np.ndarray) -> tuple[np.ndarray, float]:
    import cv2

    side = max(image.shape[:2])
    if side <= DETECT_SIDE:
        return image, 1.0
    scale = DETECT_SIDE / side
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def _largest_face(image: np.ndarray, upsample: int, min_width: int = 0):
    detector, predictor, _ = models()
    faces = [rect for rect in detector(image, upsample) if rect.width() >= min_width]
    if not faces:
        return None
    box = max(faces, key=lambda rect: rect.area())
    return predictor(image, box)


def _landmarks(shape) -> np.ndarray:
    return np.array([(point.x, point.y) for point in shape.parts()], dtype=float)


def _descriptor(image: np.ndarray, shape) -> np.ndarray:
    return np.array(models()[2].compute_face_descriptor(image, shape, 1))


def _consistent(poses: list, ends: list) -> tuple[list, list]:
    """Drop frames whose face is much larger or smaller than the sequence's usual one: a detection of
    something else, whose landmarks would fake a blink or a turn."""
    if not ends:
        return poses, ends
    widths = [shape.rect.width() for _i, _image, shape in ends]
    usual = float(np.median(widths))
    keep = [abs(width - usual) <= 0.3 * usual for width in widths]
    return [p for p, k in zip(poses, keep) if k], [e for e, k in zip(ends, keep) if k]


def check(reference: np.ndarray, frames: list[np.ndarray], prompt: str) -> FaceCheck:
    """Compare the live frames (capture order) with the reference photo and judge the prompted action.

    The descriptor is computed for the chip photo and for the first and last live frames: both ends of the
    sequence must be the chip holder, so the person who blinked is the person who was matched."""
    started = time.process_time()
    result = _check(reference, frames, prompt)
    result.cpu_seconds = time.process_time() - started
    return result


def _check(reference: np.ndarray, frames: list[np.ndarray], prompt: str) -> FaceCheck:
    no_liveness = liveness.LivenessResult(False, prompt, 0.0, "not-checked")
    chip_shape = _largest_face(reference, 1)  # chip photos are small (about 400 px): upsample once
    if chip_shape is None:
        return FaceCheck(False, None, no_liveness, "no-face-on-chip")
    chip = _descriptor(reference, chip_shape)
    poses, ends = [], []
    for index, frame in enumerate(frames):
        small, scale = _scaled(frame)
        shape = _largest_face(small, 0, int(MIN_FACE_WIDTH * scale))
        if shape is None:
            continue
        current = liveness.pose(_landmarks(shape))
        if current is not None:
            poses.append(current)
            ends.append((index, small, shape))
    poses, ends = _consistent(poses, ends)
    if len(ends) < liveness.MIN_FRAMES:
        return FaceCheck(False, None, no_liveness, "no-face", faces_found=len(ends))
    distances = [float(np.linalg.norm(_descriptor(image, shape) - chip)) for _i, image, shape in (ends[0], ends[-1])]
    distance = max(distances)
    live = liveness.judge(prompt, poses)
    matched = distance <= MATCH_THRESHOLD
    reason = "" if matched else "face-mismatch"
    if matched and not live.passed:
        reason = live.reason
    return FaceCheck(matched, distance, live, reason, faces_found=len(ends))
