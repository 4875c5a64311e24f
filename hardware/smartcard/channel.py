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


#: Largest command data that, once protected by secure messaging, still fits a short APDU (Lc <= 255):
#: DO87 (1 + 2 + 1 + data padded to 16) + DO97 (3) + DO8E (10).
SHORT_CHAINED_CHUNK = 223
_CHAINING = 0x10


class CardChannel:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.secure_messaging: SecureMessaging | None = None

    def send_chained(self, command: CommandAPDU, *, extended: bool) -> ResponseAPDU:
        """Send ``command``; when the card takes only short APDUs and its data would not fit one, split it
        by ISO 7816-4 command chaining (CLA bit 0x10 on all but the last), each link protected on its own.
        Only the last link may answer with data."""
        chunk = SHORT_CHAINED_CHUNK if self.secure_messaging else 255
        if extended or len(command.data) <= chunk:
            return self.send(command)
        data = command.data
        for start in range(0, len(data) - chunk, chunk):
            part = data[start : start + chunk]
            response = self.send(CommandAPDU(command.cla | _CHAINING, command.ins, command.p1, command.p2, part))
            if not response.ok:
                return response
        last = len(data) - (len(data) - 1) % chunk - 1
        return self.send(CommandAPDU(command.cla, command.ins, command.p1, command.p2, data[last:], command.le))

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
