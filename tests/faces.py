"""Faces for the recovery tests and benches, made on the spot from the two portraits that installed packages
ship: scikit-image's `astronaut` (Eileen Collins) and matplotlib's `grace_hopper.jpg` (Grace Hopper).

From each portrait: a chip photo (an ICAO-style crop, 300x400 JPEG, as DG2 holds it) and camera frames of a
640x480 kiosk camera in which the same portrait is re-framed, re-lit, noised and re-compressed, and - to
imitate a live person - the eyes are painted shut for a blink or the nose region is pushed sideways for a head
turn (the parallax a flat photo cannot show). A "photo held to the camera" is the portrait tilted and moved as
a rigid plane. How representative: two identities, synthetic capture variation and synthetic motion; it tests
the pipeline and the thresholds' margins, not the model's accuracy on a population (dlib's own LFW figure)."""

from __future__ import annotations

import functools
import io

import cv2
import numpy as np
from PIL import Image

IDENTITIES = ("collins", "hopper")
FRAME_SIZE = (640, 480)


@functools.lru_cache(maxsize=None)
def portrait(name: str) -> np.ndarray:
    if name == "collins":
        from skimage import data

        # The head and shoulders only: the mission patch lower down is a face to dlib's detector too.
        return np.ascontiguousarray(data.astronaut()[0:300, 70:370])
    if name == "hopper":
        import matplotlib.cbook as cbook

        with cbook.get_sample_data("grace_hopper.jpg") as handle:
            return np.asarray(Image.open(handle).convert("RGB"))
    raise KeyError(name)


@functools.lru_cache(maxsize=None)
def _landmarks(name: str) -> np.ndarray:
    from backend.recovery import face

    detector, predictor, _ = face.models()
    image = portrait(name)
    box = max(detector(image, 1), key=lambda rect: rect.area())
    return np.array([(p.x, p.y) for p in predictor(image, box).parts()], dtype=float)


def _jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="JPEG", quality=quality)
    return out.getvalue()


def chip_photo(name: str) -> tuple[bytes, int, int]:
    """The DG2 photo: head and shoulders, face about half the width, 300x400, JPEG."""
    points = _landmarks(name)
    left, right = points[:, 0].min(), points[:, 0].max()
    centre_x, centre_y = (left + right) / 2, points[:, 1].mean()
    width = (right - left) * 2.0
    height = width * 4 / 3
    image = portrait(name)
    x0, y0 = int(max(0, centre_x - width / 2)), int(max(0, centre_y - height * 0.45))
    crop = image[y0 : int(y0 + height), x0 : int(x0 + width)]
    photo = cv2.resize(crop, (300, 400), interpolation=cv2.INTER_AREA)
    return _jpeg(photo, 80), 300, 400


def close_eyes(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    out = image.copy()
    for eye in (points[36:42], points[42:48]):
        centre, width = eye.mean(axis=0), np.linalg.norm(eye[3] - eye[0])
        skin = image[int(centre[1] + width * 0.9), int(centre[0])].tolist()
        cv2.fillPoly(out, [((eye - centre) * 1.8 + centre).astype(np.int32)], skin)
        cv2.line(out, tuple(eye[0].astype(int)), tuple(eye[3].astype(int)), (60, 40, 30), 2)
    return out


def turn_head(image: np.ndarray, points: np.ndarray, amount: float) -> np.ndarray:
    """Push the nose region sideways by `amount` eye-to-eye widths (positive: towards the image's right)."""
    height, width = image.shape[:2]
    span = np.linalg.norm(points[45] - points[36])
    centre, sigma = points[30], span * 0.55
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    weight = np.exp(-((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / (2 * sigma**2))
    return cv2.remap(image, (xs - amount * span * weight).astype(np.float32), ys, cv2.INTER_LINEAR)


def _frame(image: np.ndarray, *, scale=1.0, shift=(0, 0), angle=0.0, light=1.0, noise=4.0, seed=0, tilt=0.0):
    """Place `image` in a 640x480 camera frame: scaled, moved, rotated, tilted (perspective), re-lit, noised."""
    width, height = FRAME_SIZE
    h, w = image.shape[:2]
    fit = min(width / w, height / h) * scale
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, fit)
    matrix[0, 2] += width / 2 - w / 2 + shift[0]
    matrix[1, 2] += height / 2 - h / 2 + shift[1]
    placed = cv2.warpAffine(image, matrix, FRAME_SIZE, borderValue=(70, 80, 90))
    if tilt:
        source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
        target = np.float32(
            [
                [0, 0],
                [width * (1 - tilt), height * tilt / 2],
                [width * (1 - tilt), height * (1 - tilt / 2)],
                [0, height],
            ]
        )
        placed = cv2.warpPerspective(placed, cv2.getPerspectiveTransform(source, target), FRAME_SIZE)
    rng = np.random.default_rng(seed)
    lit = placed.astype(np.float32) * light + rng.normal(0, noise, placed.shape)
    return np.clip(lit, 0, 255).astype(np.uint8)


def live_frames(name: str, action: str, *, light: float = 1.0, scale: float = 0.9, seed: int = 0) -> list[np.ndarray]:
    """Six frames of someone doing `action` (blink, turn_left, turn_right, none) at the kiosk's camera.
    turn_left is the person's left: their nose moves towards the image's right."""
    image, points = portrait(name), _landmarks(name)
    closed = close_eyes(image, points)
    sequence = {
        "blink": [image, image, closed, closed, image, image],
        "turn_left": [image, image] + [turn_head(image, points, a) for a in (0.15, 0.3, 0.3, 0.15)],
        "turn_right": [image, image] + [turn_head(image, points, -a) for a in (0.15, 0.3, 0.3, 0.15)],
        "none": [image] * 6,
    }[action]
    return [
        _frame(picture, scale=scale, shift=(3 * i, -2 * i), light=light, seed=seed * 10 + i)
        for i, picture in enumerate(sequence)
    ]


def held_photo_frames(name: str, *, seed: int = 0) -> list[np.ndarray]:
    """A printed photo (the chip holder's portrait) waved in front of the camera: moved, rotated, tilted."""
    moves = [(0, 0.0, 0.0), (8, 4.0, 0.08), (16, -5.0, 0.15), (10, 8.0, 0.22), (4, -3.0, 0.1), (0, 2.0, 0.0)]
    return [
        _frame(portrait(name), scale=1.0, shift=(dx, dx // 2), angle=angle, tilt=tilt, seed=seed * 10 + i)
        for i, (dx, angle, tilt) in enumerate(moves)
    ]


def encode_frames(frames: list[np.ndarray], quality: int = 85) -> list[bytes]:
    return [_jpeg(frame, quality) for frame in frames]
