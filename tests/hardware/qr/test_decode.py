import numpy as np
import pytest
from pyzbar import pyzbar

from hardware.camera.simulator import SceneOptions, render_scene
from hardware.qr import UnreadableQr, decode, decode_one
from hardware.qr.scan import _opencv_payloads

VIETNAMESE_NAME = "Nguyễn Thị Ánh Tuyết"


def test_simulated_card_frames_decode_exactly(card_payload):
    rng = np.random.default_rng(2024)
    options = SceneOptions(max_rotation_deg=180, noise_std=(4.0, 10.0))
    for _ in range(8):
        scene = render_scene(card_payload, rng, options)
        assert decode(scene.frame) == [card_payload]


def test_vietnamese_name_round_trips_in_a_rotated_grey_frame():
    rng = np.random.default_rng(7)
    scene = render_scene(VIETNAMESE_NAME, rng, SceneOptions(max_rotation_deg=180, grey=True))
    assert scene.frame.ndim == 2
    assert decode(scene.frame) == [VIETNAMESE_NAME]


def test_plain_pyzbar_mangles_what_binary_mode_keeps(qr_image):
    # zbar guesses a charset for QR codes without an ECI segment; these bytes look like Shift-JIS / Latin-1.
    text = "áàảãạ"
    image = qr_image(text)
    plain = [symbol.data.decode("utf-8") for symbol in pyzbar.decode(image)]
    assert plain and plain != [text]
    assert decode(image) == [text]


def test_payloads_are_nfc_normalized(qr_image):
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" with combining marks
    assert decode(qr_image(decomposed)) == ["Nguyễn"]


def test_latin1_payloads_follow_the_qr_default_charset(qr_image):
    # segno writes "Ánh" as ISO 8859-1 bytes (0xC1): not UTF-8, so read as the QR standard's default.
    assert decode(qr_image("Ánh", encoding=None)) == ["Ánh"]


def test_two_codes_in_one_frame(qr_image):
    left, right = qr_image("ticket-1"), qr_image("ticket-2")
    frame = np.full((max(left.shape[0], right.shape[0]), left.shape[1] + right.shape[1] + 40), 255, np.uint8)
    frame[: left.shape[0], : left.shape[1]] = left
    frame[: right.shape[0], left.shape[1] + 40 :] = right
    assert sorted(decode(frame)) == ["ticket-1", "ticket-2"]
    with pytest.raises(UnreadableQr, match="2 different"):
        decode_one(frame)


def test_bgr_and_bgra_frames(qr_image):
    grey = qr_image(VIETNAMESE_NAME)
    bgr = np.repeat(grey[..., None], 3, axis=2)
    bgra = np.concatenate([bgr, np.full_like(grey[..., None], 255)], axis=2)
    assert decode(bgr) == decode(bgra) == [VIETNAMESE_NAME]


def test_blank_frame_has_no_payload():
    frame = np.full((720, 1280), 200, np.uint8)
    assert decode(frame) == []
    with pytest.raises(UnreadableQr, match="no QR code"):
        decode_one(frame)


def test_opencv_fallback_returns_raw_utf8_bytes(qr_image):
    assert _opencv_payloads(qr_image(VIETNAMESE_NAME)) == [VIETNAMESE_NAME.encode("utf-8")]


def test_sharpened_retry_rescues_a_blurred_frame():
    # Seed 13 of these options is a frame zbar misses on its own and reads after the unsharp mask.
    options = SceneOptions(
        max_rotation_deg=180, module_px=(3, 4), blur_sigma=(0.5, 1.3), noise_std=(5, 12), glare=(40, 160), grey=True
    )
    scene = render_scene(VIETNAMESE_NAME, np.random.default_rng(13), options)
    assert decode(scene.frame, fallback=False) == []
    assert decode(scene.frame) == [VIETNAMESE_NAME]


def test_fallback_is_used_when_zbar_finds_nothing(monkeypatch, qr_image):
    monkeypatch.setattr("hardware.qr.scan.scan_qr_bytes", lambda grey: [])
    image = qr_image(VIETNAMESE_NAME)
    assert decode(image) == [VIETNAMESE_NAME]
    assert decode(image, fallback=False) == []


@pytest.mark.parametrize(
    "frame",
    [np.zeros((0, 0), np.uint8), np.zeros((10, 10), np.float32), np.zeros((10, 10, 2), np.uint8), "not an array"],
)
def test_bad_frames_are_value_errors(frame):
    with pytest.raises(ValueError):
        decode(frame)
