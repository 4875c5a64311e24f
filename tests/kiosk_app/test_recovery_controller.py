"""The kiosk's recovery controller without a window: fake backend and devices injected, "threads" run inline,
a hand-moved clock. The welcome button's path to a QR, staff polling, device and network failures, cancel."""

from __future__ import annotations

import pytest

from hardware.errors import NoDevice
from kiosk_app.recovery_controller import NEEDS_NETWORK, POLL_EVERY_S, RecoveryController
from kiosk_app.recovery_flow import CODE_SECONDS, IDLE_SECONDS, RecoveryState
from kiosk_app.services.api import ApiRefused, ApiUnavailable
from tests.kiosk_app.fakes import run_now

ATTEMPT = {"attempt_id": "a" * 32, "prompt": "blink", "challenge_id": "c" * 32, "challenge": "AAAAAAAAAAA="}
CODE = "congdan-recover:one-time"
NEEDS_STAFF = {"status": "needs_staff", "message_vi": "Nhân viên sẽ đến", "message_en": "Staff will come"}


class FakeRecoveryApi:
    def __init__(self, evidence_answer: dict, polls: list | None = None) -> None:
        self.evidence_answer, self.polls = evidence_answer, list(polls or [])
        self.calls: list[tuple] = []
        self.start_error: BaseException | None = None

    def recovery_start(self) -> dict:
        self.calls.append(("start",))
        if self.start_error:
            raise self.start_error
        return dict(ATTEMPT)

    def recovery_evidence(self, attempt_id: str, body: dict) -> dict:
        self.calls.append(("evidence", attempt_id, body))
        return self.evidence_answer

    def recovery_status(self, attempt_id: str) -> dict:
        self.calls.append(("status", attempt_id))
        answer = self.polls.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


class Kiosk:
    """The app's side: what was shown, whether it went back to the welcome screen, the clock."""

    def __init__(self, api, *, chip_error=None, online=True) -> None:
        self.now, self.views, self.left = 100.0, [], 0
        self.reads: list[dict] = []
        self.chip_error = chip_error
        self.online = online
        self.control = RecoveryController(
            api,
            self.read_chip,
            lambda attempt: [b"frame-1", b"frame-2", b"frame-3"],
            show=self.views.append,
            leave=self.leave,
            is_online=lambda: self.online,
            clock=lambda: self.now,
            background=run_now,
        )

    def read_chip(self, attempt):
        self.reads.append(attempt)
        if self.chip_error:
            raise self.chip_error
        return {"sod": "c29k", "challenge_id": attempt["challenge_id"]}, b"\xff\xd8chip-photo"

    def leave(self) -> None:
        self.left += 1

    def ticks(self, seconds: int) -> None:
        for _ in range(seconds):
            self.now += 1
            self.control.tick()

    @property
    def state(self):
        return self.control.flow.state


def test_the_welcome_button_leads_through_card_and_face_to_the_qr_code():
    api = FakeRecoveryApi({"status": "code_issued", "recovery_code": CODE})
    kiosk = Kiosk(api)
    kiosk.control.open()
    assert kiosk.views[-1].title_vi == "Khôi phục tài khoản" and kiosk.control.active
    kiosk.control.press()
    shown = [view.state for view in kiosk.views]
    assert shown[-4:] == ["reading_card", "face", "checking", "code"]
    assert kiosk.reads == [ATTEMPT]  # the chip signed the backend's own challenge
    evidence = api.calls[1]
    assert evidence[:2] == ("evidence", ATTEMPT["attempt_id"]) and len(evidence[2]["frames"]) == 3
    assert kiosk.views[-1].qr_text == CODE
    assert kiosk.control.flow.chip_photo is None and kiosk.control.flow.frames is None
    kiosk.ticks(2)  # the countdown moves on screen
    assert "4 phút 58 giây" in kiosk.views[-1].body_vi
    kiosk.control.press()  # "Xong"
    assert kiosk.left == 1 and not kiosk.control.active and kiosk.control.flow.code is None


def test_a_failed_match_polls_until_staff_approve_and_then_shows_the_code():
    api = FakeRecoveryApi(
        NEEDS_STAFF,
        polls=[
            NEEDS_STAFF,
            ApiUnavailable("blip"),
            {"status": "approved"},
            {"status": "approved", "recovery_code": CODE},
        ],
    )
    kiosk = Kiosk(api)
    kiosk.control.open()
    kiosk.control.press()
    assert kiosk.state is RecoveryState.STAFF and kiosk.views[-1].photo_jpeg == b"\xff\xd8chip-photo"
    kiosk.ticks(int(POLL_EVERY_S) - 1)
    assert not [call for call in api.calls if call[0] == "status"]  # not before the poll interval
    kiosk.ticks(int(POLL_EVERY_S) * 4)
    polls = [call for call in api.calls if call[0] == "status"]
    assert len(polls) == 4 and all(call[1] == ATTEMPT["attempt_id"] for call in polls)
    assert kiosk.state is RecoveryState.CODE and kiosk.views[-1].qr_text == CODE  # the network blip was waited out
    assert kiosk.control.flow.chip_photo is None


def test_staff_refusing_ends_on_the_refusal_screen():
    refused = {"status": "refused", "message_vi": "Nhân viên không xác nhận.", "message_en": "Staff did not confirm."}
    kiosk = Kiosk(FakeRecoveryApi(NEEDS_STAFF, polls=[refused]))
    kiosk.control.open()
    kiosk.control.press()
    kiosk.ticks(int(POLL_EVERY_S))
    assert kiosk.state is RecoveryState.REFUSED and kiosk.views[-1].body_vi == "Nhân viên không xác nhận."
    assert kiosk.views[-1].photo_jpeg is None


def test_a_card_reader_failure_shows_its_bilingual_message_not_a_crash():
    error = NoDevice("reader gone")
    api = FakeRecoveryApi({"status": "code_issued", "recovery_code": CODE})
    kiosk = Kiosk(api, chip_error=error)
    kiosk.control.open()
    kiosk.control.press()
    view = kiosk.views[-1]
    assert kiosk.state is RecoveryState.REFUSED
    assert (view.title_vi, view.title_en) == ("Chưa khôi phục được", "Not recovered")
    assert (view.body_vi, view.body_en) == (NoDevice.user_message_vi, NoDevice.user_message_en)
    assert [call[0] for call in api.calls] == ["start"]  # no evidence was sent
    kiosk.control.press()  # "Về màn hình chính"
    assert kiosk.left == 1


def test_an_unexpected_device_error_gets_the_plain_message():
    kiosk = Kiosk(FakeRecoveryApi({}), chip_error=ValueError("bug"))
    kiosk.control.open()
    kiosk.control.press()
    assert kiosk.state is RecoveryState.REFUSED and kiosk.views[-1].body_vi.startswith("Có lỗi xảy ra")


def test_the_backends_refusal_is_shown_in_its_own_words():
    api = FakeRecoveryApi({})
    api.start_error = ApiRefused(429, {"message_vi": "Ki-ốt đang bận.", "message_en": "The kiosk is busy."})
    kiosk = Kiosk(api)
    kiosk.control.open()
    kiosk.control.press()
    assert (kiosk.views[-1].body_vi, kiosk.views[-1].body_en) == ("Ki-ốt đang bận.", "The kiosk is busy.")


@pytest.mark.parametrize("offline_at", ["open", "start"])
def test_an_offline_kiosk_says_recovery_needs_the_network(offline_at):
    api = FakeRecoveryApi({})
    if offline_at == "start":
        api.start_error = ApiUnavailable("connection refused")
    kiosk = Kiosk(api, online=offline_at != "open")
    kiosk.control.open()
    if offline_at == "start":
        kiosk.control.press()  # offline already known: no start button, the message at once
    assert kiosk.state is RecoveryState.REFUSED
    assert kiosk.views[-1].body_vi == NEEDS_NETWORK["message_vi"] and "network" in kiosk.views[-1].body_en
    assert api.calls == ([] if offline_at == "open" else [("start",)])


def test_cancel_on_the_staff_screen_wipes_the_photo_and_ignores_late_answers():
    api = FakeRecoveryApi(NEEDS_STAFF, polls=[{"status": "approved", "recovery_code": CODE}])
    kiosk = Kiosk(api)
    kiosk.control.open()
    kiosk.control.press()
    flow = kiosk.control.flow
    assert flow.chip_photo and flow.evidence
    kiosk.control.press()  # "Huỷ"
    assert kiosk.left == 1 and not kiosk.control.active
    assert (flow.state, flow.chip_photo, flow.evidence, flow.frames, flow.attempt) == (
        RecoveryState.INTRO,
        None,
        None,
        None,
        None,
    )
    shown = len(kiosk.views)
    kiosk.ticks(int(POLL_EVERY_S) * 2)
    assert len(kiosk.views) == shown and not [call for call in api.calls if call[0] == "status"]


def test_a_late_worker_answer_after_cancel_is_dropped():
    pending = []
    kiosk = Kiosk(FakeRecoveryApi({}))
    kiosk.control.background = lambda work, done, failed: pending.append((work, done))
    kiosk.control.open()
    kiosk.control.press()  # the start call is "in flight"
    kiosk.control.close()
    work, done = pending.pop()
    done(work())
    assert kiosk.state is RecoveryState.INTRO and kiosk.control.flow.attempt is None and kiosk.reads == []


def test_nobody_at_the_kiosk_goes_back_to_welcome_and_the_code_leaves_with_its_lifetime():
    kiosk = Kiosk(FakeRecoveryApi({}))
    kiosk.control.open()
    kiosk.ticks(IDLE_SECONDS + 1)
    assert kiosk.left == 1 and not kiosk.control.active
    kiosk = Kiosk(FakeRecoveryApi({"status": "code_issued", "recovery_code": CODE}))
    kiosk.control.open()
    kiosk.control.press()
    kiosk.ticks(CODE_SECONDS)
    assert kiosk.left == 1 and kiosk.control.flow.code is None


def test_a_tap_keeps_the_intro_open():
    kiosk = Kiosk(FakeRecoveryApi({}))
    kiosk.control.open()
    kiosk.ticks(IDLE_SECONDS - 10)
    kiosk.control.touch()
    kiosk.ticks(20)
    assert kiosk.control.active and kiosk.state is RecoveryState.INTRO
