"""The APDU service between protocols and the transport: encodes commands, applies secure messaging
once a session exists, and traces every exchange at DEBUG with the payload redacted."""

from __future__ import annotations

import logging

from hardware.smartcard.apdu import CommandAPDU, ResponseAPDU
from hardware.smartcard.errors import SecureMessagingError
from hardware.smartcard.sm import SecureMessaging
from hardware.smartcard.transport import Transport

log = logging.getLogger(__name__)

_INS_NAMES = {
    0xA4: "SELECT",
    0xB0: "READ BINARY",
    0xB1: "READ BINARY",
    0x84: "GET CHALLENGE",
    0x82: "EXTERNAL AUTHENTICATE",
    0x88: "INTERNAL AUTHENTICATE",
    0x22: "MSE",
    0x86: "GENERAL AUTHENTICATE",
}


class CardChannel:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.secure_messaging: SecureMessaging | None = None

    def send(self, command: CommandAPDU) -> ResponseAPDU:
        """One exchange; with secure messaging active, the command is protected and the response verified."""
        session = self.secure_messaging
        wire = session.wrap_command(command) if session else command
        raw = self.transport.transmit(wire.to_bytes())
        response = ResponseAPDU.from_bytes(raw)
        if session:
            try:
                response = session.unwrap_response(response)
            except SecureMessagingError:
                self.secure_messaging = None  # the counter is out of step: this session is over
                raise
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %02X%02X%02X%02X Lc=%d Le=%s%s -> %d bytes SW=%04X",
                _INS_NAMES.get(command.ins, "APDU"),
                command.cla,
                command.ins,
                command.p1,
                command.p2,
                len(command.data),
                command.le,
                " SM" if session else "",
                len(response.data),
                response.sw,
            )
        return response
