"""The kiosk's words for a chip that could not be confirmed, and the staff line of the confirm screen."""

from __future__ import annotations

import pytest

from hardware.smartcard import errors
from kiosk_app.chip_trust import CARD_EXPIRED, CARD_NOT_CONFIRMED, READER_PROBLEM, trust_key
from kiosk_app.flow import Identity
from kiosk_app.services.devices import patient_message


@pytest.mark.parametrize(
    "error",
    [
        errors.ChipAuthenticationFailed("x"),
        errors.ActiveAuthenticationFailed("x"),
        errors.DataGroupMissing("x"),
        errors.HashMismatch("x"),
        errors.UntrustedSigner("x"),
        errors.ChipNotProven("x"),
    ],
)
def test_a_chip_not_proven_genuine_is_not_called_altered(error):
    message = patient_message(error)
    assert message is CARD_NOT_CONFIRMED
    assert "quầy tiếp đón" in message.vi and "reception counter" in message.en
    assert "sửa đổi" not in message.vi and "altered" not in message.en


def test_other_typed_errors_get_plain_words():
    assert patient_message(errors.SecureMessagingError("mac")) is READER_PROBLEM
    assert patient_message(errors.DocumentExpired("old")) is CARD_EXPIRED
    removed = patient_message(errors.CardRemoved("gone"))
    assert removed.vi == errors.CardRemoved.user_message_vi


def test_staff_line_names_the_trust_level():
    def chip(level):
        return Identity("chip", "001090012345", "1990-01-01", trust_level=level)

    assert trust_key(chip("verified")) == "trust_chip_verified"
    assert trust_key(chip("data_authentic_chip_not_proven")) == "trust_chip_data_only"
    assert trust_key(chip(None)) == "trust_chip_data_only"  # unknown is never shown as verified
    assert trust_key(Identity("signed_qr", "001090012345", "1990-01-01")) == "trust_signed_qr"
    assert trust_key(None) == ""
