"""Account recovery on the kiosk side, without a window: the flow's states and what it wipes, and the whole
path against a live backend - the software chip with a face in DG2 read with the backend's challenge, the
camera replayed from a video file, the backend's verdict, and the new phone binding the QR's code."""

from __future__ import annotations

import base64

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hardware.camera.file import FileFrameSource
from hardware.smartcard.transport import SimulatedTransport
from kiosk_app.recovery_flow import CODE_SECONDS, IDLE_SECONDS, PROMPTS, RecoveryFlow, RecoveryState
from kiosk_app.services.api import ApiClient, ApiRefused
from kiosk_app.services.recovery import capture_frames, read_card
from tests.backend.helpers import PASSWORD
from tests.backend.recovery.cards import camera_file, recovery_backend, simulated_chip
from tests.kiosk_app.live_backend import LiveBackend

ATTEMPT = {"attempt_id": "a" * 32, "prompt": "turn_left", "challenge_id": "c" * 32, "challenge": "AAAAAAAAAAA="}


def test_the_flow_asks_for_the_prompted_action_in_vietnamese_first():
    flow = RecoveryFlow()
    assert flow.view().title_vi == "Khôi phục tài khoản"
    flow.started(ATTEMPT, now=0)
    assert flow.state == RecoveryState.READING_CARD
    flow.card_read({"sod": "x"}, b"\xff\xd8photo", now=1)
    view = flow.view()
    assert (view.title_vi, view.title_en) == PROMPTS["turn_left"]


def test_the_photo_and_frames_are_wiped_when_the_code_is_shown_and_when_it_expires():
    flow = RecoveryFlow()
    flow.started(ATTEMPT, now=0)
    flow.card_read({"sod": "x"}, b"photo", now=1)
    body = flow.frames_captured([b"f1", b"f2", b"f3"], now=2)
    assert body["frames"] == [base64.b64encode(f).decode() for f in (b"f1", b"f2", b"f3")]
    flow.answered({"status": "code_issued", "recovery_code": "congdan-recover:abc"}, now=3)
    assert flow.state == RecoveryState.CODE and flow.view(now=3).qr_text == "congdan-recover:abc"
    assert flow.frames is None and flow.chip_photo is None
    flow.tick(now=3 + CODE_SECONDS)
    assert flow.state == RecoveryState.INTRO and flow.code is None and flow.evidence is None


def test_a_failed_match_shows_the_chip_photo_for_staff_and_an_abandoned_attempt_is_wiped():
    flow = RecoveryFlow()
    flow.started(ATTEMPT, now=0)
    flow.card_read({"sod": "x"}, b"photo", now=1)
    flow.frames_captured([b"f"] * 3, now=2)
    flow.answered({"status": "needs_staff", "message_vi": "Nhân viên sẽ đến", "message_en": "Staff will come"}, now=3)
    view = flow.view()
    assert flow.state == RecoveryState.STAFF and view.photo_jpeg == b"photo" and view.body_vi == "Nhân viên sẽ đến"
    flow.tick(now=3 + IDLE_SECONDS + 1)
    assert flow.state == RecoveryState.INTRO and flow.chip_photo is None


def test_a_refusal_shows_the_backends_bilingual_message():
    flow = RecoveryFlow()
    flow.started(ATTEMPT, now=0)
    flow.refused({"message_vi": "Tài khoản đang bị cơ quan công an khóa.", "message_en": "Locked by the police."}, 1)
    assert flow.state == RecoveryState.REFUSED
    assert flow.view().body_vi.startswith("Tài khoản đang bị")


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recovery-backend")
    app, kiosk, holders = recovery_backend(folder)
    live = LiveBackend(app).start()
    yield live, kiosk, holders, folder
    live.close()


def _run(live, kiosk, holder, folder, chip_face: str, camera_face: str) -> tuple[RecoveryFlow, ApiClient]:
    api = ApiClient(live.url, kiosk, PASSWORD, timeout_s=60)
    flow = RecoveryFlow()
    flow.started(api.recovery_start(), now=0)
    with SimulatedTransport(simulated_chip(holder, chip_face)) as transport:
        evidence, photo = read_card(transport, holder.access_key(), flow.attempt)
    flow.card_read(evidence, photo, now=1)
    with FileFrameSource(camera_file(folder, camera_face, flow.attempt["prompt"])) as camera:
        frames = capture_frames(camera, sleep=lambda _s: None)
    body = flow.frames_captured(frames, now=2)
    try:
        flow.answered(api.recovery_evidence(flow.attempt["attempt_id"], body), now=3)
    except ApiRefused as refused:
        flow.refused(refused.problem, now=3)
    return flow, api


def test_the_kiosk_recovers_an_account_and_the_new_phone_binds_the_code(backend):
    live, kiosk, holders, folder = backend
    flow, _api = _run(live, kiosk, holders[0], folder, "collins", "collins")
    assert flow.state == RecoveryState.CODE, flow.message
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    answer = requests.post(
        f"{live.url}/api/v1/recovery/device-bindings",
        json={
            "recovery_code": flow.view().qr_text,
            "public_key": base64.urlsafe_b64encode(key).rstrip(b"=").decode(),
            "label": "Điện thoại mới",
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["access_token"]


def test_someone_elses_face_brings_the_staff_screen_with_the_chip_photo(backend):
    live, kiosk, holders, folder = backend
    flow, _api = _run(live, kiosk, holders[1], folder, "hopper", "collins")
    assert flow.state == RecoveryState.STAFF
    assert flow.view().photo_jpeg and flow.frames is None


def test_the_controller_runs_the_recovery_on_the_kiosks_device_glue_against_the_backend(backend):
    """The welcome button's path with the app's own device glue: the card's QR opens the software chip, the
    camera file plays the prompted action, the backend issues the code (threads run inline)."""
    from kiosk_app.recovery_controller import RecoveryController
    from kiosk_app.services.recovery import chip_reader, frame_capture
    from tests.kiosk_app.fakes import run_now

    live, kiosk, holders, folder = backend
    holder, views = holders[2], []
    control = RecoveryController(
        ApiClient(live.url, kiosk, PASSWORD, timeout_s=60),
        chip_reader(holder.qr_text, lambda: SimulatedTransport(simulated_chip(holder, "collins"))),
        frame_capture(
            lambda: FileFrameSource(camera_file(folder, "collins", control.flow.attempt["prompt"])),
            sleep=lambda _s: None,
        ),
        show=views.append,
        leave=lambda: None,
        background=run_now,
    )
    control.open()
    control.press()
    assert [view.state for view in views][-4:] == ["reading_card", "face", "checking", "code"], views[-1]
    assert views[-1].qr_text.startswith("congdan-recover:")
