"""What the check-in flow holds and hands out, besides the identity and the check-in answer (flow.py):
patient-facing messages, the insurance facts, departments, tickets, and the cues (sounds, voice) it emits.
Plain data, no Kivy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """A patient-facing message, Vietnamese and English."""

    vi: str
    en: str

    def text(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


@dataclass(frozen=True)
class Coverage:
    """The insurance facts the backend answered, for the plain-words statement (kiosk_app.insurance_words)."""

    status: str  # valid | expired | not_yet_valid | none
    coverage_percent: int
    in_route: bool = True
    valid_to: str | None = None  # ISO date
    primary_care_facility_name: str | None = None

    @classmethod
    def from_wire(cls, insurance: dict) -> Coverage | None:
        """From the check-in answer's `insurance` (shared_schemas.health.InsuranceSchema); None without a status."""
        if not insurance.get("status") or insurance.get("coverage_percent") is None:
            return None
        return cls(
            insurance["status"],
            int(insurance["coverage_percent"]),
            bool(insurance.get("in_route", True)),
            insurance.get("valid_to"),
            insurance.get("primary_care_facility_name"),
        )

    @property
    def usable(self) -> bool:
        """An insured visit is possible: a valid card that pays something here."""
        return self.status == "valid" and self.coverage_percent > 0


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


@dataclass(frozen=True)
class Cue:
    """Something the kiosk plays: a `sound` ("success", "failure") or a `voice` prompt (kiosk_app.voice)."""

    kind: str
    name: str
    language: str = "vi"
