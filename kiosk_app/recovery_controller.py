"""Runs account recovery (kiosk_app/recovery_flow.py) on the kiosk with the real services: the backend's attempt,
the chip read and the camera frames on worker threads, the evidence, staff polling, a once-a-second tick and the
screen's one button. Plain Python (no Kivy import here): the app passes `show`/`leave` and the background runner,
so tests drive it without a window, with inline "threads" and a fake clock."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kiosk_app.recovery_flow import IDLE_SECONDS, RecoveryFlow, RecoveryState
from kiosk_app.services.api import ApiRefused, ApiUnavailable
from kiosk_app.services.devices import patient_message
from kiosk_app.services.workers import run_in_background

log = logging.getLogger(__name__)

POLL_EVERY_S = 3.0  # while staff decide: often enough to feel immediate, rare enough for a busy backend
NEEDS_NETWORK = {
    "message_vi": "Khôi phục tài khoản cần kết nối mạng. Ki-ốt đang mất kết nối, vui lòng thử lại sau "
    "hoặc đến quầy hỗ trợ.",
    "message_en": "Account recovery needs the network. This kiosk is offline: please try again later "
    "or go to the help desk.",
}
# After the screen's button: the attempt has started (or ended) and the button means "leave".
_LEAVING_STATES = (RecoveryState.CODE, RecoveryState.STAFF, RecoveryState.REFUSED)


def _problem(exc: BaseException) -> dict:
    """What the person reads when a step fails: the backend's own words, the network, or the device's."""
    if isinstance(exc, ApiUnavailable):
        return NEEDS_NETWORK
    if isinstance(exc, ApiRefused):
        return exc.problem  # RecoveryFlow falls back to a plain message when it carries none
    message = patient_message(exc)  # hardware and chip errors carry bilingual words; anything else is logged
    return {"message_vi": message.vi, "message_en": message.en}


class RecoveryController:
    """`open()` from the welcome screen, `press()` from the recovery screen's button, `tick()` every second,
    `touch()` on any tap, `close()` back to the welcome screen with everything wiped."""

    def __init__(
        self,
        api,
        read_chip: Callable[[dict], tuple[dict, bytes | None]],
        capture: Callable[[dict], list[bytes]],
        *,
        show: Callable[[Any], None],
        leave: Callable[[], None],
        is_online: Callable[[], bool] = lambda: True,
        clock: Callable[[], float] = time.monotonic,
        background=run_in_background,
    ) -> None:
        self.api, self.read_chip, self.capture = api, read_chip, capture
        self.show, self.leave, self.is_online = show, leave, is_online
        self.clock, self.background = clock, background
        self.flow = RecoveryFlow()
        self.active = False
        self._generation = 0  # a worker's answer for an attempt that has since ended is dropped
        self._polling = False
        self._next_poll = 0.0

    # --- what the screens call ------------------------------------------------------------------------
    def open(self) -> None:
        """The welcome screen's "Khôi phục tài khoản": what is needed, and a start button."""
        self._generation += 1
        self.flow.wipe()
        self.flow.last_activity = self.clock()
        self.active = True
        if not self.is_online():
            # The backend verifies the card and matches the face: nothing can be done offline.
            self.flow.refused(NEEDS_NETWORK, self.clock())
        self._show()

    def press(self) -> None:
        """The screen's one button: "Bắt đầu" on the intro; "Xong" / "Huỷ" / "Về màn hình chính" after."""
        if not self.active:
            return
        state = self.flow.state
        if state is RecoveryState.INTRO:
            self._start()
        elif state in _LEAVING_STATES:
            self.close()

    def touch(self) -> None:
        if self.active:
            self.flow.last_activity = self.clock()

    def close(self) -> None:
        """Back to the welcome screen: the chip photo, the frames, the chip read and the code leave memory."""
        self._generation += 1
        self._polling = False
        self.flow.wipe()
        if self.active:
            self.active = False
            self.leave()

    def tick(self, _dt=None) -> None:
        """Once a second: the QR's countdown, staff polling, and the wipe of an attempt nobody finishes."""
        if not self.active:
            return
        now, flow = self.clock(), self.flow
        if flow.state is RecoveryState.INTRO:
            if now - flow.last_activity > IDLE_SECONDS:
                self.close()
            return
        flow.tick(now)
        if flow.state is RecoveryState.INTRO:  # the code expired or the person walked away
            self.close()
            return
        if flow.state is RecoveryState.STAFF and not self._polling and now >= self._next_poll:
            self._poll()
        self._show()

    # --- the steps ------------------------------------------------------------------------------------
    def _start(self) -> None:
        self.flow.state = RecoveryState.CHECKING  # "Vui lòng chờ" while the backend opens the attempt
        self.flow.last_activity = self.clock()
        self._show()
        self._run(self.api.recovery_start, self._started)

    def _started(self, attempt: dict) -> None:
        self.flow.started(attempt, self.clock())
        self._show()
        self._run(lambda: self.read_chip(attempt), self._card_read)

    def _card_read(self, result: tuple[dict, bytes | None]) -> None:
        evidence, photo = result
        self.flow.card_read(evidence, photo, self.clock())
        self._show()  # the liveness prompt is on screen before the camera starts
        attempt = self.flow.attempt or {}
        self._run(lambda: self.capture(attempt), self._captured)

    def _captured(self, frames: list[bytes]) -> None:
        body = self.flow.frames_captured(frames, self.clock())
        self._show()
        attempt_id = (self.flow.attempt or {})["attempt_id"]
        self._run(lambda: self.api.recovery_evidence(attempt_id, body), self._answered)

    def _answered(self, body: dict) -> None:
        self.flow.answered(body, self.clock())
        self._next_poll = self.clock() + POLL_EVERY_S
        self._show()

    def _poll(self) -> None:
        self._polling = True
        attempt_id = (self.flow.attempt or {})["attempt_id"]
        generation = self._generation

        def answered(body: dict) -> None:
            if generation != self._generation:
                return
            self._polling = False
            self._next_poll = self.clock() + POLL_EVERY_S
            if body.get("recovery_code") or body.get("status") == "refused":
                self.flow.answered(body, self.clock())
                self._show()
            # still "needs_staff" or "approved" without a code: keep waiting (and keep the idle clock running)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self._polling = False
            self._next_poll = self.clock() + POLL_EVERY_S
            if isinstance(exc, ApiUnavailable):
                log.warning("recovery poll: backend unreachable, trying again")
                return
            self._failed(exc)

        self.background(lambda: self.api.recovery_status(attempt_id), answered, failed)

    def _failed(self, exc: BaseException) -> None:
        self.flow.refused(_problem(exc), self.clock())
        self._show()

    def _run(self, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """`work` on a worker thread; `then` (or the refusal) on the main thread, unless the attempt ended."""
        generation = self._generation

        def done(result: Any) -> None:
            if generation == self._generation:
                then(result)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._failed(exc)

        self.background(work, done, failed)

    def _show(self) -> None:
        self.show(self.flow.view(self.clock()))
