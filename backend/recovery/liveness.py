"""A basic liveness check on face landmarks (dlib's 68-point layout): did the face in front of the camera do
what the screen asked - blink, or turn the head left or right?

Every measure is taken in the face's own affine frame (the axis from eye to eye, the axis from the eyes'
midpoint to the mouth's), so a flat photo that is moved, rotated, tilted or bent in front of the camera keeps
the same values: an affine map of a plane preserves affine coordinates. A real head does not - closing the
eyes flattens the lids, and turning moves the nose tip (in front of the face plane) against the eyes. What this
cannot tell apart is a video of the person replayed on a screen; the server's random choice of the prompt
makes a pre-recorded one less likely to fit. This is a basic check, not presentation-attack detection to
ISO/IEC 30107-3."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROMPTS = ("blink", "turn_left", "turn_right")
#: Eye openness must drop below this share of the sequence's usual (median) openness. A flat photo moved and
#: tilted stays above 0.85 (tests/faces.py); a painted blink falls to 0.4-0.7, a real blink lower still.
BLINK_RATIO = 0.72
#: The nose tip must move this far (in eye-to-eye widths) against the eyes' midpoint, in the prompted
#: direction. A tilted or rotated photo moves it under 0.03; a head turn of ~15° by about 0.1.
TURN_SHIFT = 0.06
MIN_FRAMES = 3

_LEFT_EYE, _RIGHT_EYE, _MOUTH, _NOSE_TIP = slice(36, 42), slice(42, 48), slice(48, 68), 30


@dataclass(frozen=True)
class Pose:
    """What one frame's landmarks say: nose offset (across the face) and eye openness, both affine-invariant."""

    nose_offset: float
    eye_openness: float


@dataclass(frozen=True)
class LivenessResult:
    passed: bool
    prompt: str
    measure: float  # blink: lowest/highest openness; turn: the nose's shift in the prompted direction
    reason: str

    def summary(self) -> str:
        return f"{self.prompt} {'passed' if self.passed else 'failed'} ({self.measure:.2f})"


def pose(landmarks: np.ndarray) -> Pose | None:
    """The pose of one frame from its 68 landmarks (x, y), or None when the face is degenerate."""
    left, right = landmarks[_LEFT_EYE].mean(axis=0), landmarks[_RIGHT_EYE].mean(axis=0)
    eyes = (left + right) / 2
    basis = np.stack([right - left, landmarks[_MOUTH].mean(axis=0) - eyes], axis=1)
    if abs(np.linalg.det(basis)) < 1e-6:
        return None
    inverse = np.linalg.inv(basis)

    def openness(eye: np.ndarray) -> float:
        height = (inverse @ (eye[1] - eye[5]))[1] + (inverse @ (eye[2] - eye[4]))[1]
        width = (inverse @ (eye[3] - eye[0]))[0]
        return abs(height / 2) / max(abs(width), 1e-6)

    nose = inverse @ (landmarks[_NOSE_TIP] - eyes)
    return Pose(float(nose[0]), (openness(landmarks[_LEFT_EYE]) + openness(landmarks[_RIGHT_EYE])) / 2)


def judge(prompt: str, poses: list[Pose]) -> LivenessResult:
    """Whether the sequence of poses (in capture order) shows the prompted action.

    Turn directions are the person's own: turning to their left moves their nose towards the right of a
    camera image that is not mirrored (the kiosk sends frames as the sensor took them)."""
    if prompt not in PROMPTS:
        raise ValueError(f"unknown liveness prompt {prompt!r}")
    if len(poses) < MIN_FRAMES:
        return LivenessResult(False, prompt, 0.0, "too-few-faces")
    if prompt == "blink":
        openness = [p.eye_openness for p in poses]
        usual = float(np.median(openness))  # the open eyes: a blink is a short part of the sequence
        ratio = min(openness) / usual if usual > 0 else 1.0
        # The eyes must be open on both sides of the closing: a photo of closed eyes is not a blink.
        closed_at = int(np.argmin(openness))
        reopened = (
            max(openness[:closed_at], default=0) >= usual * 0.85
            and max(openness[closed_at + 1 :], default=0) >= usual * 0.85
        )
        passed = ratio <= BLINK_RATIO and reopened
        return LivenessResult(passed, prompt, ratio, "" if passed else "no-blink")
    offsets = [p.nose_offset for p in poses]
    start = float(np.median(offsets[:2]))
    sign = 1.0 if prompt == "turn_left" else -1.0
    shift = max(sign * (o - start) for o in offsets)
    passed = shift >= TURN_SHIFT
    return LivenessResult(passed, prompt, shift, "" if passed else "no-head-turn")
