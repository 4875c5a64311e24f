"""The check-in state machine (plain Python, no Kivy): which screen the kiosk shows, what it holds about
the patient, and when that is wiped. The app watches `state` and starts device / network work; results come
back as events. Time is passed in (`now`), so tests drive the idle timeout without sleeping."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field


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


BUSY = {State.READING, State.CHECKING_IN, State.ISSUING}
METHODS = ("card", "qr", "typed")


@dataclass(frozen=True)
class Message:
    """A patient-facing message, Vietnamese and English."""

    vi: str
    en: str

    def text(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


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


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    name_en: str
    location: str = ""
    open_now: bool = True


@dataclass(frozen=True)
class TicketView:
    ticket_id: str
    number: int
    department: Department
    patient_name_masked: str
    insurance: Message
    provisional: bool = False
    existing: bool = False
    waiting_ahead: int | None = None


class CheckinFlow:
    """Events in, state out. `on_change(flow)` is called after every transition."""

    def __init__(self, *, idle_timeout_s: float = 60.0, ticket_timeout_s: float = 20.0,
                 on_change: Callable[[CheckinFlow], None] | None = None, now: float = 0.0) -> None:
        self.idle_timeout_s = idle_timeout_s
        self.ticket_timeout_s = ticket_timeout_s
        self.on_change = on_change
        self.language = "vi"
        self.last_activity = now
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

    @property
    def holds_personal_data(self) -> bool:
        return any((self.identity, self.checkin, self.ticket))

    def _go(self, state: State, *, now: float | None = None, message: Message | None = None) -> None:
        self.state = state
        self.message = message
        if now is not None:
            self.last_activity = now
        if self.on_change:
            self.on_change(self)

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
            self._go(State.TYPING, now=now, message=Message("Số định danh gồm 12 chữ số.",
                                                            "The ID number has 12 digits."))
            return
        self.identity = Identity("id_and_dob", personal_id, date_of_birth)
        self._go(State.CHECKING_IN, now=now)

    def confirm(self, *, now: float) -> None:
        if self._expect(State.CONFIRM):
            self._go(State.INSURANCE, now=now)

    def accept_insurance(self, *, now: float) -> None:
        if self._expect(State.INSURANCE):
            self._go(State.DEPARTMENT, now=now)

    def choose_department(self, code: str, *, now: float) -> None:
        if not self._expect(State.DEPARTMENT):
            return
        chosen = next((d for d in self.departments if d.code == code), None)
        if chosen is None or not chosen.open_now:
            self._go(State.DEPARTMENT, now=now, message=Message("Khoa này hiện đang đóng cửa.",
                                                                "This department is closed now."))
            return
        self.chosen_department = chosen
        self._go(State.ISSUING, now=now)

    def back(self, *, now: float) -> None:
        """One step back; leaving the confirmation drops what was read."""
        previous = {
            State.IDENTIFY: State.WELCOME, State.TYPING: State.IDENTIFY, State.READING: State.IDENTIFY,
            State.CONFIRM: State.IDENTIFY, State.INSURANCE: State.CONFIRM, State.DEPARTMENT: State.INSURANCE,
            State.ERROR: State.IDENTIFY,
        }.get(self.state)
        if previous is None:
            return
        if previous in (State.WELCOME, State.IDENTIFY):
            self.identity, self.checkin, self.departments, self.chosen_department = None, None, [], None
        if previous is State.WELCOME:
            self.wipe()
            return
        self._go(previous, now=now)

    def cancel(self) -> None:
        self.wipe()

    def finish(self) -> None:
        self.wipe()

    # --- results from workers ------------------------------------------------------------------------
    def identified(self, identity: Identity, *, now: float) -> None:
        if self._expect(State.READING):
            self.identity = identity
            self._go(State.CHECKING_IN, now=now)

    def identify_failed(self, message: Message, *, now: float) -> None:
        """A typed hardware error: back to the choice, with its plain message."""
        if self._expect(State.READING):
            self._go(State.IDENTIFY, now=now, message=message)

    def checked_in(self, view: CheckinView, departments: list[Department], *, now: float) -> None:
        if self._expect(State.CHECKING_IN):
            self.checkin, self.departments = view, list(departments)
            self._go(State.CONFIRM, now=now)

    def checkin_failed(self, message: Message, *, now: float) -> None:
        if self._expect(State.CHECKING_IN):
            back_to = State.TYPING if self.method == "typed" else State.ERROR
            self.identity = None
            self._go(back_to, now=now, message=message)

    def ticket_issued(self, ticket: TicketView, *, now: float) -> None:
        if self._expect(State.ISSUING):
            self.ticket = ticket
            self._go(State.TICKET, now=now)

    def ticket_failed(self, message: Message, *, now: float) -> None:
        if self._expect(State.ISSUING):
            self._go(State.ERROR, now=now, message=message)

    def print_failed(self, message: Message) -> None:
        if self._expect(State.TICKET):
            self.print_message = message
            self._go(State.TICKET, message=self.message)

    # --- time ----------------------------------------------------------------------------------------
    def touch(self, *, now: float) -> None:
        self.last_activity = now

    def tick(self, *, now: float) -> None:
        """Called by the clock: an idle kiosk forgets the patient and returns to the welcome screen.
        A worker still busy does not hold the screen forever either."""
        if self.state is State.WELCOME:
            return
        limit = self.ticket_timeout_s if self.state is State.TICKET else self.idle_timeout_s
        if now - self.last_activity >= limit:
            self.wipe()

    def wipe(self) -> None:
        language_default = "vi"
        self._reset()
        self.language = language_default
        if self.on_change:
            self.on_change(self)
