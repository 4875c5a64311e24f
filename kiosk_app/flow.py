"""The check-in state machine (plain Python, no Kivy): which screen the kiosk shows, what it holds about
the patient, and when that is wiped. The app watches `state` and starts device / network work; results come
back as events. Time is passed in (`now`), so tests drive the idle timeout without sleeping.

Beside the steps it keeps what helps a patient through them (issue 19): a call for staff, the countdown
before the idle wipe, large text, voice on or off, the insured / self-paid choice and the staff's assisted
mode. Sounds and voice prompts leave as `Cue` events (`on_cue`), the countdown as `on_countdown`."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kiosk_app.records import Coverage, Cue, Department, Message, TicketView
from kiosk_app.voice import voice_prompt

__all__ = [
    "BUSY",
    "METHODS",
    "PAYMENTS",
    "STEPS",
    "CheckinFlow",
    "CheckinView",
    "Coverage",
    "Cue",
    "Department",
    "Identity",
    "Message",
    "State",
    "TicketView",
]


class State(enum.StrEnum):
    WELCOME = "welcome"
    IDENTIFY = "identify"  # choose: card, QR, or typed ID + date of birth
    READING = "reading"  # a device worker is reading the card or scanning a QR
    TYPING = "typing"  # on-screen keypad
    CHECKING_IN = "checking_in"  # the check-in request is under way
    CONFIRM = "confirm"  # name, masked ID, face photo
    INSURANCE = "insurance"  # BHYT status and coverage, plainly
    DEPARTMENT = "department"
    ISSUING = "issuing"  # ticket request (online or provisional) under way
    TICKET = "ticket"  # number and QR on screen; printing in the background
    ERROR = "error"  # a plain message and a way back
    STAFF_PIN = "staff_pin"  # a member of staff types their PIN to start assisted mode


BUSY = {State.READING, State.CHECKING_IN, State.ISSUING}
METHODS = ("card", "qr", "typed")
PAYMENTS = ("insurance", "self_pay")  # khám BHYT | khám dịch vụ (tự chi trả)
#: The five steps a patient is shown (Identify → Confirm → Insurance → Clinic → Ticket), by state.
STEP_OF = {
    State.IDENTIFY: 1,
    State.READING: 1,
    State.TYPING: 1,
    State.CHECKING_IN: 1,
    State.CONFIRM: 2,
    State.INSURANCE: 3,
    State.DEPARTMENT: 4,
    State.ISSUING: 4,
    State.TICKET: 5,
}
STEPS = 5
COUNTDOWN_S = 15  # the last seconds before an idle wipe are counted down on screen
PIN_ATTEMPTS = 5  # wrong staff PINs in a row before the PIN screen closes
CHILD_UNDER = 14  # years: the typed ID + date of birth path is for children (no chip card yet)
_VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Identity:
    """Who presented themself and how it was proven. `face_jpeg` only from a chip read."""

    method: str  # chip | cccd_qr | signed_qr | id_and_dob
    personal_id: str
    date_of_birth: str  # ISO date
    full_name: str | None = None
    passive_auth_passed: bool | None = None
    token_id: str | None = None
    face_jpeg: bytes | None = field(default=None, repr=False)
    verified_locally: bool = False  # chip PA or signature checked here: usable offline
    #: Chip reads: the reader's verdict (hardware.smartcard.verdict.TrustLevel value): "verified" or
    #: "data_authentic_chip_not_proven" (a NOT VERIFIED read never becomes an Identity).
    trust_level: str | None = None
    # The evidence the backend verifies itself: the chip read (ChipEvidenceSchema JSON) or the app's token.
    chip_evidence: dict | None = field(default=None, repr=False)
    identity_token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"Identity(method={self.method!r}, <personal data redacted>)"


@dataclass(frozen=True)
class CheckinView:
    """What the check-in answered (or, offline, what the kiosk knows itself)."""

    checkin_id: str | None  # None while offline
    full_name: str
    personal_id_masked: str
    insurance: Message
    coverage_percent: int | None  # None: not known offline
    offline: bool = False
    # The check-in request as sent, so that an offline fallback replays that very request: if the
    # answer was lost on the way back, the backend recognises it instead of checking the patient in twice.
    checkin_key: str | None = None
    identified_at: str | None = None
    # What the backend verified of the identification (shared_schemas.identification.TRUST_LEVELS); None offline.
    trust_level: str | None = None
    coverage: Coverage | None = None  # None: offline, or a backend that sent no details


class CheckinFlow:
    """Events in, state out. `on_change(flow)` is called after every transition."""

    def __init__(
        self,
        *,
        idle_timeout_s: float = 60.0,
        ticket_timeout_s: float = 20.0,
        on_change: Callable[[CheckinFlow], None] | None = None,
        now: float = 0.0,
        print_failed_timeout_s: float = 120.0,
        help_timeout_s: float = 300.0,
        verify_pin: Callable[[str], bool] | None = None,
        today: Callable[[], date] = lambda: datetime.now(_VIETNAM).date(),
    ) -> None:
        self.idle_timeout_s = idle_timeout_s
        self.ticket_timeout_s = ticket_timeout_s
        # A patient whose ticket did not print must copy the number: the screen stays longer.
        self.print_failed_timeout_s = print_failed_timeout_s
        # Staff are on their way: the patient waits, so the screen waits with them.
        self.help_timeout_s = help_timeout_s
        self.on_change = on_change
        self.on_cue: Callable[[Cue], None] | None = None
        self.on_countdown: Callable[[CheckinFlow], None] | None = None
        self.verify_pin = verify_pin
        self.today = today
        self.language = "vi"
        self.last_activity = now
        self.assisted = False  # staff beside the patient: survives one patient's finish, not an idle wipe
        self.pin_failures = 0
        self._reset()

    def _reset(self) -> None:
        self.state = State.WELCOME
        self.method: str | None = None
        self.identity: Identity | None = None
        self.checkin: CheckinView | None = None
        self.departments: list[Department] = []
        self.chosen_department: Department | None = None
        self.ticket: TicketView | None = None
        self.message: Message | None = None  # an error or notice for the current screen
        self.print_message: Message | None = None
        self.payment: str | None = None  # PAYMENTS, chosen on the insurance screen
        self.help: str | None = None  # None | sending | coming | failed
        self.countdown: int | None = None  # seconds left, shown in the last COUNTDOWN_S
        self.large_text = False
        self.voice_on = True

    @property
    def holds_personal_data(self) -> bool:
        return any((self.identity, self.checkin, self.ticket))

    @property
    def step(self) -> int | None:
        return STEP_OF.get(self.state)

    @property
    def for_child(self) -> bool:
        """The patient is a child checked in by a parent: the screens and the voice speak about the child."""
        identity = self.identity
        if identity is None:
            return self.method == "typed"
        if identity.method == "id_and_dob":
            return True
        try:
            born = date.fromisoformat(identity.date_of_birth)
        except ValueError:
            return False
        today = self.today()
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return age < CHILD_UNDER

    @property
    def insurance_usable(self) -> bool:
        """ "Khám BHYT" can be chosen: the card pays here, or (offline) staff will check it."""
        view = self.checkin
        if view is None:
            return False
        return view.coverage.usable if view.coverage is not None else view.offline or bool(view.coverage_percent)

    def _go(
        self, state: State, *, now: float | None = None, message: Message | None = None, speak: bool = True
    ) -> None:
        entering = state is not self.state
        self.state = state
        self.message = message
        if now is not None:
            self._activity(now)
        if self.on_change:
            self.on_change(self)
        if speak and (entering or message is not None):
            self._speak()

    def _cue(self, kind: str, name: str) -> None:
        if self.on_cue and self.voice_on:
            self.on_cue(Cue(kind, name, self.language))

    def _speak(self) -> None:
        prompt = voice_prompt(self)
        if prompt:
            self._cue("voice", prompt)

    def _expect(self, *states: State) -> bool:
        return self.state in states

    # --- patient actions -----------------------------------------------------------------------------
    def start(self, language: str, *, now: float) -> None:
        if self._expect(State.WELCOME):
            self.language = language if language in ("vi", "en") else "vi"
            self._go(State.IDENTIFY, now=now)

    def toggle_language(self, *, now: float) -> None:
        self.language = "en" if self.language == "vi" else "vi"
        self._go(self.state, now=now, message=self.message)
        if self.message is None:
            self._speak()  # the same step, spoken again in the language just chosen

    def toggle_large_text(self, *, now: float) -> None:
        self.large_text = not self.large_text
        self._go(self.state, now=now, message=self.message, speak=False)

    def toggle_voice(self, *, now: float) -> None:
        self.voice_on = not self.voice_on
        self._go(self.state, now=now, message=self.message, speak=False)

    def more_time(self, *, now: float) -> None:
        """ "Tôi cần thêm thời gian / I need more time" on the countdown: the idle timer starts again."""
        self.touch(now=now)

    # --- help ----------------------------------------------------------------------------------------
    def call_help(self, *, now: float) -> bool:
        """ "Gọi nhân viên / Call staff": True when a new call must be sent (not while one is under way)."""
        if self.state is State.STAFF_PIN or self.help in ("sending", "coming"):
            self.touch(now=now)
            return False
        self.help = "sending"
        self._go(self.state, now=now, message=self.message, speak=False)
        return True

    def help_answered(self, reached: bool) -> None:
        if self.help != "sending":
            return  # the patient was wiped meanwhile
        self.help = "coming" if reached else "failed"
        self._go(self.state, message=self.message, speak=False)
        self._cue("voice", "help_coming" if reached else "help_failed")

    # --- staff: assisted mode ------------------------------------------------------------------------
    def staff_login(self, *, now: float) -> None:
        if self._expect(State.WELCOME) and self.verify_pin is not None:
            self._go(State.STAFF_PIN, now=now)

    def submit_pin(self, pin: str, *, now: float) -> None:
        if not self._expect(State.STAFF_PIN):
            return
        if self.verify_pin is not None and self.verify_pin(pin):
            self.pin_failures, self.assisted = 0, True
            self.language = "vi"
            self._go(State.IDENTIFY, now=now)  # assisted mode skips the welcome screen
            return
        self.pin_failures += 1
        if self.pin_failures >= PIN_ATTEMPTS:
            self.pin_failures = 0
            self.wipe()
            return
        self._go(State.STAFF_PIN, now=now, message=Message("Mã PIN không đúng.", "Wrong PIN."))

    def end_assisted(self) -> None:
        self.assisted = False
        self.wipe()

    def choose_method(self, method: str, *, now: float) -> None:
        if not self._expect(State.IDENTIFY) or method not in METHODS:
            return
        self.method = method
        self._go(State.TYPING if method == "typed" else State.READING, now=now)

    def submit_typed(self, personal_id: str, date_of_birth: str, *, now: float) -> None:
        """ID number + date of birth (children under 14); the backend checks them against the registry."""
        if not self._expect(State.TYPING):
            return
        if len(personal_id) != 12 or not personal_id.isdigit():
            self._go(
                State.TYPING, now=now, message=Message("Số định danh gồm 12 chữ số.", "The ID number has 12 digits.")
            )
            return
        self.identity = Identity("id_and_dob", personal_id, date_of_birth)
        self._go(State.CHECKING_IN, now=now)

    def confirm(self, *, now: float) -> None:
        if self._expect(State.CONFIRM):
            self._go(State.INSURANCE, now=now)

    def choose_payment(self, payment: str, *, now: float) -> None:
        """ "Khám BHYT" or "Khám dịch vụ (tự chi trả)"; an insured visit only when the card pays here."""
        if not self._expect(State.INSURANCE) or payment not in PAYMENTS:
            return
        if payment == "insurance" and not self.insurance_usable:
            return
        self.payment = payment
        self._go(State.DEPARTMENT, now=now)

    def accept_insurance(self, *, now: float) -> None:
        self.choose_payment("insurance", now=now)

    def choose_department(self, code: str, *, now: float) -> None:
        if not self._expect(State.DEPARTMENT):
            return
        chosen = next((d for d in self.departments if d.code == code), None)
        if chosen is None or not chosen.open_now:
            self._go(
                State.DEPARTMENT,
                now=now,
                message=Message("Khoa này hiện đang đóng cửa.", "This department is closed now."),
            )
            return
        self.chosen_department = chosen
        self._go(State.ISSUING, now=now)

    def back(self, *, now: float) -> None:
        """One step back; leaving the confirmation drops what was read."""
        previous = {
            State.IDENTIFY: State.WELCOME,
            State.TYPING: State.IDENTIFY,
            State.READING: State.IDENTIFY,
            State.CONFIRM: State.IDENTIFY,
            State.INSURANCE: State.CONFIRM,
            State.DEPARTMENT: State.INSURANCE,
            State.ERROR: State.IDENTIFY,
        }.get(self.state)
        if self.state is State.STAFF_PIN:
            self.wipe()
            return
        if previous is None or (previous is State.WELCOME and self.assisted):
            return  # assisted mode has no welcome screen to go back to
        if previous in (State.WELCOME, State.IDENTIFY):
            self.identity, self.checkin, self.departments, self.chosen_department = None, None, [], None
        if previous is State.WELCOME:
            self.wipe()
            return
        self._go(previous, now=now)

    def cancel(self) -> None:
        self.wipe()

    def finish(self) -> None:
        """ "Xong / Done": the next patient starts; with staff beside the kiosk, straight at identification."""
        if self.assisted:
            self._reset()
            self._go(State.IDENTIFY)
            return
        self.wipe()

    # --- results from workers ------------------------------------------------------------------------
    def identified(self, identity: Identity, *, now: float) -> None:
        if self._expect(State.READING):
            self.identity = identity
            self._cue("sound", "success")
            self._go(State.CHECKING_IN, now=now)

    def identify_failed(self, message: Message, *, now: float) -> None:
        """A typed hardware error: back to the choice, with its plain message."""
        if self._expect(State.READING):
            self._cue("sound", "failure")
            self._go(State.IDENTIFY, now=now, message=message)

    def checked_in(self, view: CheckinView, departments: list[Department], *, now: float) -> None:
        if self._expect(State.CHECKING_IN):
            self.checkin, self.departments = view, list(departments)
            self._go(State.CONFIRM, now=now)

    def checkin_failed(self, message: Message, *, now: float) -> None:
        if self._expect(State.CHECKING_IN):
            back_to = State.TYPING if self.method == "typed" else State.ERROR
            self.identity = None
            self._cue("sound", "failure")
            self._go(back_to, now=now, message=message)

    def ticket_issued(self, ticket: TicketView, *, now: float) -> None:
        if self._expect(State.ISSUING):
            self.ticket = ticket
            self._cue("sound", "success")
            self._go(State.TICKET, now=now)

    def ticket_failed(self, message: Message, *, now: float) -> None:
        if self._expect(State.ISSUING):
            self._cue("sound", "failure")
            self._go(State.ERROR, now=now, message=message)

    def print_failed(self, message: Message) -> None:
        """The ticket stays on screen, longer, with what to do instead of the printed slip."""
        if self._expect(State.TICKET):
            self.print_message = message
            self._cue("sound", "failure")
            self._go(State.TICKET, message=self.message, speak=False)
            self._cue("voice", "ticket_not_printed")

    # --- time ----------------------------------------------------------------------------------------
    def touch(self, *, now: float) -> None:
        self._activity(now)

    def _activity(self, now: float) -> None:
        self.last_activity = now
        self._set_countdown(None)

    def _set_countdown(self, seconds: int | None) -> None:
        if seconds == self.countdown:
            return
        starting = self.countdown is None
        self.countdown = seconds
        if self.on_countdown:
            self.on_countdown(self)
        if starting and seconds is not None:
            self._cue("voice", "countdown")

    def idle_limit(self) -> float:
        if self.help == "coming":
            return max(self.help_timeout_s, self.idle_timeout_s)
        if self.state is State.TICKET:
            return self.print_failed_timeout_s if self.print_message else self.ticket_timeout_s
        return self.idle_timeout_s

    def tick(self, *, now: float) -> None:
        """Called by the clock: an idle kiosk forgets the patient and returns to the welcome screen, after
        counting down the last seconds on screen. A worker still busy does not hold the screen forever."""
        if self.state is State.WELCOME:
            if self.help is not None and now - self.last_activity >= self.help_timeout_s:
                self.help = None  # a call from the welcome screen: the next patient must not read it as theirs
                self._go(State.WELCOME, speak=False)
            return
        remaining = self.idle_limit() - (now - self.last_activity)
        if remaining <= 0:
            self.assisted = False  # staff who walk away leave an ordinary kiosk behind
            self.wipe()
            return
        self._set_countdown(math.ceil(remaining) if remaining <= COUNTDOWN_S else None)

    def wipe(self) -> None:
        language_default = "vi"
        self._reset()
        self.language = language_default
        if self.on_change:
            self.on_change(self)
        if self.on_countdown:
            self.on_countdown(self)
