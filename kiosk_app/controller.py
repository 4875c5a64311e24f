"""The kiosk's controller: turns flow states into background work (device reads, API calls, printing, calls
for staff) and worker results back into flow events. What the screens call; plain Python (no Kivy import),
so it is driven in tests with a fake clock and inline "background" work."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kiosk_app.flow import CheckinFlow, Message, State
from kiosk_app.services.api import ApiRefused
from kiosk_app.services.checkin import CheckinRefused, CheckinService
from kiosk_app.services.devices import IdentityReader, patient_message, print_ticket
from kiosk_app.services.help_desk import HelpDesk
from kiosk_app.services.metrics import KioskMetrics
from kiosk_app.services.workers import run_in_background

log = logging.getLogger(__name__)


def printer_status(printer) -> str | None:
    """What the printer says after a ticket (ready, paper_low, ...); None when it cannot tell."""
    status = getattr(printer, "status", None)
    if status is None:
        return None
    value = getattr(status(), "value", None)
    return None if value in (None, "unknown") else value


class Controller:
    """What the screens call. Every patient action also counts as activity for the idle timer."""

    def __init__(
        self,
        app,
        flow: CheckinFlow,
        checkin: CheckinService,
        reader: IdentityReader,
        printer,
        *,
        clock=time.monotonic,
        background=run_in_background,
        metrics: KioskMetrics | None = None,
        help_desk: HelpDesk | None = None,
        report_now: Callable[[], None] = lambda: None,
    ) -> None:
        self.app, self.flow, self.checkin, self.reader, self.printer = app, flow, checkin, reader, printer
        self.clock, self.background = clock, background
        self.metrics = metrics or KioskMetrics()
        self.help_desk = help_desk or HelpDesk(checkin.api)
        self.report_now = report_now  # the fleet agent's wake(): a failed device is reported at once
        self._syncing = False

    def now(self) -> float:
        return self.clock()

    # --- patient actions ------------------------------------------------------------------------------
    def start(self, language: str) -> None:
        self.flow.start(language, now=self.now())

    def toggle_language(self) -> None:
        self.flow.toggle_language(now=self.now())

    def choose_method(self, method: str) -> None:
        self.flow.choose_method(method, now=self.now())

    def submit_typed(self, personal_id: str, date_of_birth: str) -> None:
        self.flow.submit_typed(personal_id, date_of_birth, now=self.now())

    def confirm(self) -> None:
        self.flow.confirm(now=self.now())

    def accept_insurance(self) -> None:
        self.flow.accept_insurance(now=self.now())

    def choose_payment(self, payment: str) -> None:
        self.flow.choose_payment(payment, now=self.now())

    def toggle_large_text(self) -> None:
        self.flow.toggle_large_text(now=self.now())

    def toggle_voice(self) -> None:
        self.flow.toggle_voice(now=self.now())

    def more_time(self) -> None:
        self.flow.more_time(now=self.now())

    def staff_login(self) -> None:
        self.flow.staff_login(now=self.now())

    def submit_pin(self, pin: str) -> None:
        self.flow.submit_pin(pin, now=self.now())

    def end_assisted(self) -> None:
        self.flow.end_assisted()

    def call_help(self, reason: str = "patient_asked") -> None:
        """ "Gọi nhân viên": the backend stores the call (kiosk, screen, what went wrong) for hospital staff."""
        flow = self.flow
        screen = "locked" if self.app.locked else flow.state.value
        if not flow.call_help(now=self.now()):
            return
        if reason == "patient_asked" and flow.message is not None:
            reason = "identify_failed" if flow.state.value in ("identify", "typing") else "checkin_refused"
        detail = flow.message.vi if flow.message else (flow.print_message.vi if flow.print_message else None)
        call = {
            "screen": screen,
            "reason": reason,
            "detail": detail,
            "language": flow.language,
            "assisted": flow.assisted,
        }
        self.background(lambda: self.help_desk.call(**call), flow.help_answered, lambda _exc: flow.help_answered(False))

    def choose_department(self, code: str) -> None:
        self.flow.choose_department(code, now=self.now())

    def back(self) -> None:
        self.flow.back(now=self.now())

    def leave(self) -> None:
        """The footer's one way out of a screen: on with "Xong" from the ticket, else one step back."""
        if self.flow.state is State.TICKET:
            self.flow.finish()
        else:
            self.flow.back(now=self.now())

    def cancel(self) -> None:
        self.flow.cancel()

    def finish(self) -> None:
        self.flow.finish()

    def touch(self) -> None:
        """Any tap on the screen: the patient is still there, so the idle timer starts again."""
        self.flow.touch(now=self.now())

    # --- state -> work --------------------------------------------------------------------------------
    def on_flow_change(self, flow: CheckinFlow) -> None:
        self.metrics.observe(flow, self.now())
        self.app.show(flow)
        state = flow.state
        if state is State.READING:
            work = self.reader.identify_by_chip if flow.method == "card" else self.reader.identify_by_qr
            self.background(work, self._identified, self._identify_failed)
        elif state is State.CHECKING_IN:
            identity = flow.identity
            self.background(lambda: self.checkin.check_in(identity), self._checked_in, self._checkin_failed)
        elif state is State.ISSUING:
            identity, view, department = flow.identity, flow.checkin, flow.chosen_department
            payment = flow.payment
            self.background(
                lambda: self.checkin.issue_ticket(identity, view, department, payment),
                self._issued,
                lambda exc: flow.ticket_failed(self._message(exc), now=self.now()),
            )

    def _identified(self, identity) -> None:
        self.metrics.scan_succeeded(identity.method)
        self.flow.identified(identity, now=self.now())

    def _identify_failed(self, exc: BaseException) -> None:
        self.metrics.scan_failed(self.flow.method, exc)
        self.flow.identify_failed(patient_message(exc), now=self.now())

    def _checked_in(self, result) -> None:
        # A typed ID + date of birth is "read" by the registry: matched when the check-in is accepted.
        if self.flow.method == "typed" and self.flow.state is State.CHECKING_IN:
            self.metrics.scan_succeeded("id_and_dob")
        self.flow.checked_in(*result, now=self.now())

    def _checkin_failed(self, exc: BaseException) -> None:
        if self.flow.method == "typed" and isinstance(exc.__cause__, ApiRefused) and exc.__cause__.status == 422:
            self.metrics.scan_failed("typed", exc)
        self.flow.checkin_failed(self._message(exc), now=self.now())

    def _issued(self, ticket) -> None:
        flow = self.flow
        identity, name = flow.identity, flow.checkin.full_name if flow.checkin else ""
        flow.ticket_issued(ticket, now=self.now())
        if self.printer is not None and identity is not None:
            facility = self.checkin.facility_name()
            printer = self.printer

            def printed_then_status():
                print_ticket(
                    printer, ticket, facility_name=facility, patient_name=name, personal_id=identity.personal_id
                )
                return printer_status(printer)

            self.background(printed_then_status, self._printed, self._print_failed)

    def _printed(self, status: str | None) -> None:
        self.metrics.printed()
        if status is not None:
            self.metrics.printer_status(status)  # paper running low reaches the fleet with the heartbeat

    def _print_failed(self, exc: BaseException) -> None:
        self.metrics.print_failed(exc)
        self.report_now()  # paper out: the fleet raises its alert now, not at the next heartbeat
        self.flow.print_failed(patient_message(exc))
        self.call_help("print_failed")

    @staticmethod
    def _message(exc: BaseException) -> Message:
        return exc.message if isinstance(exc, CheckinRefused) else patient_message(exc)

    # --- clock ----------------------------------------------------------------------------------------
    def tick(self, _dt=None) -> None:
        self.flow.tick(now=self.now())  # the countdown reaches the screen through flow.on_countdown
        # A remote restart waits for the patient at the kiosk to finish (or walk away).
        if self.app.restart_requested and self.flow.state is State.WELCOME and not self.app.recovery_busy():
            self.app.restart()

    def sync(self, _dt=None) -> None:
        """Send offline check-ins (and refresh the cached reference data) when the backend is back."""
        if self._syncing:
            return
        self._syncing = True

        def work():
            online = self.checkin.refresh()
            return self.checkin.sync() if online else 0

        def done(_result):
            self._syncing = False
            self.app.update_status(self.checkin)

        def failed(exc):
            self._syncing = False
            log.warning("sync failed: %s", exc)

        self.background(work, done, failed)
