"""Typed chip-card errors -> the patient's plain words (kiosk_app.chip_trust): the flow's error mapping for
chip reads, kept apart from the check-in services."""

from __future__ import annotations

from hardware.smartcard import errors as chip_errors
from kiosk_app.chip_trust import CARD_EXPIRED, CARD_NOT_CONFIRMED, READER_PROBLEM
from kiosk_app.flow import Message

_MESSAGES: tuple[tuple[type[Exception], Message], ...] = (
    (chip_errors.DocumentExpired, CARD_EXPIRED),
    (chip_errors.AuthenticationError, CARD_NOT_CONFIRMED),  # PA, CA, AA, missing data groups
    (chip_errors.SecureMessagingError, READER_PROBLEM),
    (chip_errors.TransportError, READER_PROBLEM),
    (chip_errors.MalformedData, CARD_NOT_CONFIRMED),
)


def chip_message(exc: BaseException) -> Message | None:
    """The patient message for a typed chip error, or None for errors that carry their own good words
    (no card, card removed, wrong access key...)."""
    for error_type, message in _MESSAGES:
        if isinstance(exc, error_type):
            return message
    return None
