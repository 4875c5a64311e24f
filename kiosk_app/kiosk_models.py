"""The physical layout of each kiosk model (assets/kiosk_models.json): where its screen, camera, card
reader and printer slot sit on the front, in fractions of the front's width and height, and how to say
where the camera and the reader are. The reading screen draws this picture, so a patient sees on *this*
kiosk where the QR and the card go. The model comes from configuration (CONGDAN_KIOSK_MODEL)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.records import Message

MODELS_FILE = Path(__file__).parent / "assets" / "kiosk_models.json"
DEFAULT_MODEL = "k1-floor"

Box = tuple[float, float, float, float]  # x, y, width, height as fractions of the kiosk's front


@dataclass(frozen=True)
class KioskModel:
    code: str
    name: Message
    aspect: float  # width / height of the front
    screen: Box
    camera: Box
    reader: Box
    printer: Box
    camera_place: Message
    reader_place: Message


def _box(values) -> Box:
    x, y, w, h = (float(v) for v in values)
    if not (0 <= x and 0 <= y and w > 0 and h > 0 and x + w <= 1.0001 and y + h <= 1.0001):
        raise ValueError(f"a kiosk part must lie on the front: {values}")
    return x, y, w, h


def load_model(code: str = DEFAULT_MODEL, path: Path = MODELS_FILE) -> KioskModel:
    models = json.loads(path.read_text(encoding="utf-8"))
    if code not in models:
        raise ValueError(f"unknown kiosk model {code!r}; known: {', '.join(sorted(models))}")
    entry = models[code]
    return KioskModel(
        code,
        Message(*entry["name"]),
        float(entry["aspect"]),
        *(_box(entry[part]) for part in ("screen", "camera", "reader", "printer")),
        Message(*entry["camera_place"]),
        Message(*entry["reader_place"]),
    )
