"""What the kiosk measures for the fleet dashboard (plain Python, no Kivy): identity reads by method,
completed check-ins, the time patients spend in each step, and the last known state of each device. An
enrolled kiosk's fleet agent reports them in its heartbeats; without one they go to a recorder that drops
them."""

from __future__ import annotations

import threading

from hardware.errors import NoDevice
from hardware.printer.errors import PaperOut
from hardware.smartcard.errors import SmartcardError
from kiosk_app.flow import CheckinFlow, State

# The check-in steps the fleet contract knows (shared_schemas.fleet.CHECKIN_STEPS), by flow state. The
# identify step includes the check-in request: from the patient's point of view it is one wait.
STEP_OF = {
    State.IDENTIFY: "identify",
    State.READING: "identify",
    State.TYPING: "identify",
    State.CHECKING_IN: "identify",
    State.CONFIRM: "insurance",
    State.INSURANCE: "insurance",
    State.DEPARTMENT: "department",
    State.ISSUING: "ticket",
}
DEVICE_OK = {"card_reader": "ok", "camera": "ok", "printer": "ok"}


class NullRecorder:
    """Where metrics go when the kiosk is not enrolled in the fleet."""

    def record_scan(self, method: str, succeeded: bool) -> None:
        pass

    def record_step(self, step: str, milliseconds: float) -> None:
        pass

    def record_checkin(self) -> None:
        pass


class KioskMetrics:
    """Fed by the controller on the UI thread; `vitals()` is read by the fleet agent's thread."""

    def __init__(self, recorder=None) -> None:
        self.recorder = recorder or NullRecorder()
        self._lock = threading.Lock()
        self._devices = dict(DEVICE_OK)
        self._paper_low = False
        self._last_error: str | None = None
        self._step: str | None = None
        self._step_since = 0.0
        self._spent: dict[str, float] = {}  # seconds per step in the current patient's visit

    # --- steps ----------------------------------------------------------------------------------------
    def observe(self, flow: CheckinFlow, now: float) -> None:
        """Called after every flow transition. Step times are reported only for a visit that ends with a
        ticket: an abandoned visit would make the mean time look shorter than a real check-in takes."""
        step = STEP_OF.get(flow.state)
        previous = self._step
        if previous is not None and step != previous:
            self._spent[previous] = self._spent.get(previous, 0.0) + max(0.0, now - self._step_since)
        if step != previous:
            self._step, self._step_since = step, now
        if flow.state is State.TICKET and previous == "ticket":
            for name, seconds in self._spent.items():
                self.recorder.record_step(name, seconds * 1000)
            self.recorder.record_checkin()
            self._spent = {}
        elif flow.state is State.WELCOME:
            self._spent = {}

    # --- identity reads -------------------------------------------------------------------------------
    def scan_succeeded(self, identity_method: str) -> None:
        self.recorder.record_scan(identity_method, True)
        with self._lock:
            self._devices.update(
                camera="ok", card_reader="ok" if identity_method == "chip" else self._devices["card_reader"]
            )

    def scan_failed(self, flow_method: str | None, exc: BaseException) -> None:
        """A read that did not identify the patient. A QR that could not be told apart (none seen, or an
        unknown one) counts against the ID card's QR, the one patients mostly show."""
        method = {"card": "chip", "typed": "id_and_dob"}.get(flow_method or "", None)
        method = method or getattr(exc, "scan_method", "cccd_qr")
        self.recorder.record_scan(method, False)
        if isinstance(exc, NoDevice):
            device = "card_reader" if isinstance(exc, SmartcardError) else "camera"
            with self._lock:
                self._devices[device] = "missing"
                self._last_error = f"{type(exc).__name__}: {exc}"[:200]

    # --- printer and errors ---------------------------------------------------------------------------
    def printed(self) -> None:
        with self._lock:
            self._devices["printer"], self._paper_low = "ok", False

    def print_failed(self, exc: BaseException) -> None:
        with self._lock:
            self._devices["printer"] = "paper_out" if isinstance(exc, PaperOut) else "error"
            self._last_error = f"{type(exc).__name__}: {exc}"[:200]

    def printer_status(self, status: str) -> None:
        """A status the printer reported (hardware.printer.PrinterStatus value)."""
        with self._lock:
            self._paper_low = status == "paper_low"
            if status in ("ready", "paper_low"):
                self._devices["printer"] = "ok"
            elif status == "paper_out":
                self._devices["printer"] = "paper_out"
            elif status == "offline":
                self._devices["printer"] = "error"

    def vitals(self, *, outbox_backlog: int = 0) -> dict:
        with self._lock:
            return {
                "devices": dict(self._devices),
                "paper_low": self._paper_low,
                "outbox_backlog": outbox_backlog,
                "last_error": self._last_error,
            }
