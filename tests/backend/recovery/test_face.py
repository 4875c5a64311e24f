"""The face matcher and the liveness check on the labelled set of tests/faces.py: genuine pairs under capture
variation stay well under the threshold, the two identities stay well over it, a flat photo moved and tilted
never shows a blink or a head turn, and pure landmark geometry behaves as documented."""

from __future__ import annotations

import numpy as np
import pytest

from backend.recovery import face, liveness
from tests import faces


def _chip(name: str) -> np.ndarray:
    return face.decode_image(faces.chip_photo(name)[0])


def _decoded(frames):
    return [face.decode_image(jpeg) for jpeg in faces.encode_frames(frames, quality=70)]


@pytest.mark.parametrize("light, scale", [(0.7, 0.9), (1.3, 0.75)])
def test_the_same_face_under_other_light_and_distance_matches(light, scale):
    result = face.check(
        _chip("collins"), _decoded(faces.live_frames("collins", "blink", light=light, scale=scale)), "blink"
    )
    assert result.passed, result
    assert result.distance < face.MATCH_THRESHOLD - 0.15  # margin, not luck


def test_two_different_people_do_not_match_whatever_they_do():
    result = face.check(_chip("hopper"), _decoded(faces.live_frames("collins", "turn_left")), "turn_left")
    assert result.live.passed and not result.matched
    assert result.reason == "face-mismatch"
    assert result.distance > face.MATCH_THRESHOLD + 0.1


@pytest.mark.parametrize("name", faces.IDENTITIES)
@pytest.mark.parametrize("prompt", liveness.PROMPTS)
def test_a_photo_moved_and_tilted_in_front_of_the_camera_is_not_live(name, prompt):
    result = face.check(_chip(name), _decoded(faces.held_photo_frames(name)), prompt)
    assert result.matched and not result.live.passed, result.live


def test_a_picture_without_a_face_finds_no_face():
    from skimage import data

    cat = face.decode_image(faces._jpeg(np.ascontiguousarray(data.chelsea())))
    assert face.check(cat, [cat] * 3, "blink").reason == "no-face-on-chip"


def test_an_image_that_is_too_large_or_not_an_image_is_refused_before_decoding():
    big = faces._jpeg(np.zeros((1400, 200, 3), dtype=np.uint8))
    with pytest.raises(face.ImageRefused):
        face.decode_image(big)
    with pytest.raises(face.ImageRefused):
        face.decode_image(b"GIF89a" + b"\0" * 100)


def _landmarks(eye_open: float = 0.3, nose: float = 0.0) -> np.ndarray:
    """68 points of a frontal face in its own frame: eyes 1 apart, mouth 1 below them."""
    points = np.zeros((68, 2))
    for start, centre in ((36, -0.5), (42, 0.5)):
        half = 0.15
        points[start : start + 6] = [
            (centre - half, 0),
            (centre - half / 3, -eye_open * half),
            (centre + half / 3, -eye_open * half),
            (centre + half, 0),
            (centre + half / 3, eye_open * half),
            (centre - half / 3, eye_open * half),
        ]
    points[48:68] = (0, 1.0)
    points[30] = (nose, 0.6)
    return points


def test_affine_moves_of_a_flat_face_leave_the_pose_unchanged():
    shear = np.array([[1.2, 0.3], [-0.2, 0.8]])
    flat, moved = _landmarks(), _landmarks() @ shear.T + (40, 7)
    assert liveness.pose(moved).nose_offset == pytest.approx(liveness.pose(flat).nose_offset, abs=1e-9)
    assert liveness.pose(moved).eye_openness == pytest.approx(liveness.pose(flat).eye_openness, abs=1e-9)


def test_blink_and_turn_judgement_on_landmarks():
    open_, shut = liveness.pose(_landmarks(0.3)), liveness.pose(_landmarks(0.05))
    assert liveness.judge("blink", [open_, open_, shut, open_]).passed
    assert not liveness.judge("blink", [open_, open_, shut, shut]).passed  # the eyes never reopened
    turned = [liveness.pose(_landmarks(nose=x)) for x in (0.0, 0.0, 0.05, 0.12)]
    assert liveness.judge("turn_left", turned).passed
    assert not liveness.judge("turn_right", turned).passed
    assert liveness.judge("blink", [open_, shut]).reason == "too-few-faces"
