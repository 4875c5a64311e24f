"""A camera simulator: 1280×720 frames of a CCCD-like card whose QR code (made with segno) is seen at a random
angle and perspective, with blur, sensor noise and glare. Seeded, so every run sees the same frames."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import segno

from hardware.camera.base import FrameSource
from hardware.camera.errors import EndOfStream

#: A fictional holder; the ID is consistent with the sex (digit 4 = 1: female, 1900s) and birth year (90).
DEFAULT_PAYLOAD = (
    "001190012345||Nguyễn Thị Ánh Tuyết|12031990|Nữ|"
    "Số 12 Phố Hàng Bông, Phường Hàng Gai, Quận Hoàn Kiếm, Hà Nội|15042021"
)

_CARD_TO_QR = 2.6  # card width / QR width (quiet zone included): the QR sits on the right of the card
_CARD_ASPECT = 85.6 / 54.0  # ISO/IEC 7810 ID-1
_CANVAS_MODULE_PX = 6  # card drawn at this many pixels per QR module, then warped down into the frame


@dataclass(frozen=True)
class SceneOptions:
    """How hard the simulated frames are. Ranges are sampled uniformly per frame."""

    size: tuple[int, int] = (1280, 720)
    module_px: tuple[float, float] = (3.5, 5.0)  # QR module size in the frame
    max_rotation_deg: float = 30.0  # 180 for any orientation
    perspective: float = 0.06  # corner jitter, as a fraction of the card width
    blur_sigma: tuple[float, float] = (0.0, 1.0)
    noise_std: tuple[float, float] = (2.0, 8.0)
    glare: tuple[float, float] = (0.0, 90.0)  # peak brightness added by a specular spot
    grey: bool = False


@dataclass(frozen=True)
class SimulatedScene:
    frame: np.ndarray
    payload: str
    qr_corners: np.ndarray  # 4×2 float32, frame coordinates, clockwise from the QR's top-left


def qr_matrix(payload: str, *, error: str = "m") -> np.ndarray:
    """The QR modules of ``payload`` (1 = dark) with a 4-module quiet zone, encoded as UTF-8 bytes without
    an ECI segment, as the card's QR is."""
    code = segno.make(payload, error=error, micro=False, encoding="utf-8")
    return np.array(list(code.matrix_iter(scale=1, border=4)), dtype=np.uint8)


@functools.lru_cache(maxsize=32)
def _cached_qr_matrix(payload: str) -> np.ndarray:
    modules = qr_matrix(payload)
    modules.flags.writeable = False
    return modules


def render_scene(payload: str, rng: np.random.Generator, options: SceneOptions = SceneOptions()) -> SimulatedScene:
    """One frame of a card carrying ``payload`` in its QR code, as a camera would see it."""
    modules = _cached_qr_matrix(payload)
    card, qr_box = _draw_card(modules, rng)
    width, height = options.size
    background = _background(rng, width, height)

    module_px = rng.uniform(*options.module_px)
    scale = module_px / _CANVAS_MODULE_PX
    card_h, card_w = card.shape[:2]
    corners = np.array([[0, 0], [card_w, 0], [card_w, card_h], [0, card_h]], dtype=np.float64)
    angle = np.deg2rad(rng.uniform(-options.max_rotation_deg, options.max_rotation_deg))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    placed = (corners - corners.mean(axis=0)) @ rotation.T * scale
    placed += rng.uniform(-options.perspective, options.perspective, size=(4, 2)) * card_w * scale
    # Shrink if the card would not fit, then put it anywhere it fits whole.
    span = placed.max(axis=0) - placed.min(axis=0)
    fit = min(1.0, 0.96 * width / span[0], 0.96 * height / span[1])
    placed *= fit
    low, high = placed.min(axis=0), placed.max(axis=0)
    offset = np.array([rng.uniform(-low[0], width - high[0]), rng.uniform(-low[1], height - high[1])])
    placed += offset

    transform = cv2.getPerspectiveTransform(corners.astype(np.float32), placed.astype(np.float32))
    warped = cv2.warpPerspective(card, transform, (width, height), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((card_h, card_w), 255, np.uint8), transform, (width, height))
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    frame = background + (warped.astype(np.float32) - background) * alpha

    frame = _light(frame, rng, options)
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    qr_corners = cv2.perspectiveTransform(qr_box.reshape(1, 4, 2).astype(np.float32), transform).reshape(4, 2)
    if options.grey:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return SimulatedScene(frame=frame, payload=payload, qr_corners=qr_corners)


class SimulatedCamera(FrameSource):
    """A camera that films a card with a QR code. ``payloads`` are shown in turn, one per frame."""

    def __init__(
        self,
        payloads: Sequence[str] = (DEFAULT_PAYLOAD,),
        *,
        seed: int | None = 0,
        options: SceneOptions = SceneOptions(),
        max_frames: int | None = None,
    ) -> None:
        super().__init__()
        if not payloads:
            raise ValueError("the simulator needs at least one payload")
        self.payloads = tuple(payloads)
        self.seed = seed
        self.options = options
        self.max_frames = max_frames
        self.last_scene: SimulatedScene | None = None
        self._rng = np.random.default_rng(seed)
        self._cycle = itertools.cycle(self.payloads)
        self._count = 0

    def _open(self) -> None:
        pass

    def _read(self) -> np.ndarray:
        if self.max_frames is not None and self._count >= self.max_frames:
            raise EndOfStream(f"simulator stopped after {self.max_frames} frames")
        self._count += 1
        self.last_scene = render_scene(next(self._cycle), self._rng, self.options)
        return self.last_scene.frame


def _draw_card(modules: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A BGR card image with the QR on its right; also the QR's corners (quiet zone excluded) on the card."""
    qr = np.where(modules == 1, 20, 245).astype(np.uint8)
    qr = cv2.resize(qr, None, fx=_CANVAS_MODULE_PX, fy=_CANVAS_MODULE_PX, interpolation=cv2.INTER_NEAREST)
    qr_side = qr.shape[0]
    card_w = int(qr_side * _CARD_TO_QR)
    card_h = int(card_w / _CARD_ASPECT)
    card_h = max(card_h, qr_side + 40)
    tint = np.array([235, 225, 205]) + rng.integers(-12, 12, size=3)  # pale blue-green, BGR
    ramp = np.linspace(0.93, 1.03, card_w, dtype=np.float32)[None, :, None]
    card = np.clip(np.ones((card_h, card_w, 3), np.float32) * tint * ramp, 0, 255).astype(np.uint8)

    unit = card_w / 100
    cv2.putText(
        card,
        "CONG HOA XA HOI CHU NGHIA VIET NAM",
        (int(6 * unit), int(6 * unit)),
        cv2.FONT_HERSHEY_SIMPLEX,
        unit / 22,
        (40, 40, 140),
        max(1, int(unit / 4)),
        cv2.LINE_AA,
    )
    cv2.putText(
        card,
        "CAN CUOC CONG DAN",
        (int(20 * unit), int(12 * unit)),
        cv2.FONT_HERSHEY_SIMPLEX,
        unit / 14,
        (30, 30, 170),
        max(1, int(unit / 3)),
        cv2.LINE_AA,
    )
    photo_top, photo_left = int(18 * unit), int(4 * unit)
    cv2.rectangle(
        card, (photo_left, photo_top), (photo_left + int(22 * unit), photo_top + int(30 * unit)), (180, 180, 185), -1
    )
    cv2.ellipse(
        card,
        (photo_left + int(11 * unit), photo_top + int(13 * unit)),
        (int(6 * unit), int(8 * unit)),
        0,
        0,
        360,
        (120, 130, 150),
        -1,
    )
    for row in range(6):  # lines of "text"
        y = int((20 + row * 6) * unit)
        length = int(rng.uniform(12, 30) * unit)
        cv2.rectangle(card, (int(29 * unit), y), (int(29 * unit) + length, y + int(2 * unit)), (70, 60, 60), -1)

    top = int(rng.uniform(0.15, 0.25) * card_h)
    top = min(top, card_h - qr_side - 4)
    left = card_w - qr_side - int(2 * unit)
    card[top : top + qr_side, left : left + qr_side] = qr[..., None]
    quiet = 4 * _CANVAS_MODULE_PX
    box = np.array(
        [
            [left + quiet, top + quiet],
            [left + qr_side - quiet, top + quiet],
            [left + qr_side - quiet, top + qr_side - quiet],
            [left + quiet, top + qr_side - quiet],
        ],
        dtype=np.float32,
    )
    return card, box


def _background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A desk-like backdrop: a base colour, soft low-frequency texture, a few darker objects."""
    base = rng.uniform(60, 160, size=3)
    coarse = rng.normal(0, 18, size=(height // 40 + 2, width // 40 + 2)).astype(np.float32)
    texture = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)[..., None]
    frame = np.clip(base.astype(np.float32) + texture, 0, 255)
    for _ in range(int(rng.integers(0, 4))):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(40, 300)), int(rng.integers(40, 200))
        cv2.rectangle(frame, (x, y), (x + w, y + h), tuple(float(c) for c in rng.uniform(20, 200, 3)), -1)
    return frame


def _light(frame: np.ndarray, rng: np.random.Generator, options: SceneOptions) -> np.ndarray:
    height, width = frame.shape[:2]
    # Uneven illumination, a specular glare spot, optics blur, then sensor noise (noise is not blurred).
    xx = np.arange(width, dtype=np.float32)[None, :]
    yy = np.arange(height, dtype=np.float32)[:, None]
    cx, cy = rng.uniform(0, width), rng.uniform(0, height)
    falloff = 1.0 - 0.25 * (((xx - cx) / width) ** 2 + ((yy - cy) / height) ** 2)
    frame = frame * (falloff * np.float32(rng.uniform(0.85, 1.1)))[..., None]
    peak = rng.uniform(*options.glare)
    if peak > 0:
        gx, gy = rng.uniform(0, width), rng.uniform(0, height)
        radius = rng.uniform(40, 160)
        # Separable Gaussian: an outer product of two 1-D profiles instead of a full-frame exp.
        spot = np.float32(peak) * (
            np.exp(-((yy - gy) ** 2) / (2 * radius**2)) * np.exp(-((xx - gx) ** 2) / (2 * radius**2))
        )
        frame = frame + spot[..., None]
    sigma = rng.uniform(*options.blur_sigma)
    if sigma > 0.05:
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    noise = rng.standard_normal(size=frame.shape, dtype=np.float32) * np.float32(rng.uniform(*options.noise_std))
    return frame + noise
