"""ISO 7816-4 command and response APDUs (short and extended length) and the status-word table."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.smartcard import errors

#: Le meaning "as much as the card can give" in each form.
SHORT_MAX_LE = 256
EXTENDED_MAX_LE = 65536

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282  # fewer bytes than Le: end of file reached


@dataclass(frozen=True)
class CommandAPDU:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # None: no Le field; 256 / 65536 encode as 00 / 0000
    extended: bool | None = None  # None: extended only when the sizes require it

    @property
    def is_extended(self) -> bool:
        if self.extended is not None:
            return self.extended
        return len(self.data) > 255 or (self.le is not None and self.le > SHORT_MAX_LE)

    def header(self) -> bytes:
        return bytes([self.cla, self.ins, self.p1, self.p2])

    def to_bytes(self) -> bytes:
        if len(self.data) > 65535:
            raise ValueError("command data longer than 65535 bytes")
        if self.le is not None and not 0 < self.le <= EXTENDED_MAX_LE:
            raise ValueError(f"Le {self.le} out of range")
        out = bytearray(self.header())
        if not self.is_extended:
            if self.data:
                out.append(len(self.data))
                out += self.data
            if self.le is not None:
                out.append(self.le & 0xFF)
            return bytes(out)
        if self.data:
            out += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
            if self.le is not None:
                out += (self.le & 0xFFFF).to_bytes(2, "big")
        elif self.le is not None:
            out += b"\x00" + (self.le & 0xFFFF).to_bytes(2, "big")
        return bytes(out)

    @classmethod
    def from_bytes(cls, raw: bytes) -> CommandAPDU:
        """Decode the four ISO cases, short or extended (used by the card simulator)."""
        if len(raw) < 4:
            raise errors.WrongLength("command APDU shorter than its header", 0x6700)
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, le=body[0] or SHORT_MAX_LE, extended=False)
        if body[0] != 0:
            lc = body[0]
            if len(body) == 1 + lc:
                return cls(cla, ins, p1, p2, bytes(body[1:]), extended=False)
            if len(body) == 2 + lc:
                return cls(cla, ins, p1, p2, bytes(body[1 : 1 + lc]), body[-1] or SHORT_MAX_LE, extended=False)
            raise errors.WrongLength("short command APDU length mismatch", 0x6700)
        if len(body) == 3:
            return cls(cla, ins, p1, p2, le=int.from_bytes(body[1:3], "big") or EXTENDED_MAX_LE, extended=True)
        lc = int.from_bytes(body[1:3], "big")
        if lc == 0:
            raise errors.WrongLength("extended Lc of zero", 0x6700)
        if len(body) == 3 + lc:
            return cls(cla, ins, p1, p2, bytes(body[3:]), extended=True)
        if len(body) == 5 + lc:
            le = int.from_bytes(body[-2:], "big") or EXTENDED_MAX_LE
            return cls(cla, ins, p1, p2, bytes(body[3 : 3 + lc]), le, extended=True)
        raise errors.WrongLength("extended command APDU length mismatch", 0x6700)


@dataclass(frozen=True)
class ResponseAPDU:
    data: bytes
    sw: int

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @classmethod
    def from_bytes(cls, raw: bytes) -> ResponseAPDU:
        if len(raw) < 2:
            raise errors.TransportError(f"response of {len(raw)} bytes has no status word")
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    @property
    def ok(self) -> bool:
        return self.sw in (SW_OK, SW_END_OF_FILE)


# The status-word table, in the manner of pyscard's ISO7816_4ErrorChecker: exact words first, then SW1 ranges.
STATUS_WORDS: dict[int, tuple[type[errors.SmartcardError], str]] = {
    0x6300: (errors.AccessDenied, "authentication failed"),
    0x6581: (errors.CardStatusError, "memory failure"),
    0x6700: (errors.WrongLength, "wrong length"),
    0x6881: (errors.UnsupportedCommand, "logical channel not supported"),
    0x6882: (errors.SecureMessagingError, "secure messaging not supported"),
    0x6982: (errors.SecurityStatusNotSatisfied, "security status not satisfied"),
    0x6983: (errors.AccessDenied, "authentication method blocked"),
    0x6984: (errors.AccessDenied, "reference data not usable"),
    0x6985: (errors.CardStatusError, "conditions of use not satisfied"),
    0x6986: (errors.CardStatusError, "command not allowed (no current EF)"),
    0x6987: (errors.SecureMessagingError, "expected secure messaging data objects missing"),
    0x6988: (errors.SecureMessagingError, "incorrect secure messaging data objects"),
    0x6A80: (errors.CardStatusError, "incorrect parameters in the data field"),
    0x6A81: (errors.UnsupportedCommand, "function not supported"),
    0x6A82: (errors.FileNotFound, "file or application not found"),
    0x6A86: (errors.UnsupportedCommand, "incorrect parameters P1-P2"),
    0x6A88: (errors.FileNotFound, "referenced data not found"),
    0x6B00: (errors.UnsupportedCommand, "wrong parameters (offset outside the EF)"),
    0x6D00: (errors.UnsupportedCommand, "instruction not supported"),
    0x6E00: (errors.UnsupportedCommand, "class not supported"),
    0x6F00: (errors.CardStatusError, "no precise diagnosis"),
}
STATUS_SW1: dict[int, tuple[type[errors.SmartcardError], str]] = {
    0x63: (errors.AccessDenied, "verification failed"),
    0x64: (errors.CardStatusError, "execution error"),
    0x65: (errors.CardStatusError, "memory error"),
    0x67: (errors.WrongLength, "wrong length"),
    0x68: (errors.UnsupportedCommand, "function in CLA not supported"),
    0x69: (errors.CardStatusError, "command not allowed"),
    0x6A: (errors.CardStatusError, "wrong parameters"),
    0x6C: (errors.WrongLength, "wrong Le"),
}


def status_error(sw: int, context: str = "") -> errors.SmartcardError:
    """The typed error for an error status word."""
    kind, meaning = STATUS_WORDS.get(sw) or STATUS_SW1.get(sw >> 8) or (errors.CardStatusError, "card error")
    where = f"{context}: " if context else ""
    message = f"{where}{meaning} (SW {sw:04X})"
    if issubclass(kind, errors.CardStatusError):
        return kind(message, sw)
    return kind(message)


def check_status(response: ResponseAPDU, context: str = "") -> ResponseAPDU:
    """Return ``response`` if its status word means success, else raise the error from the table."""
    if response.ok:
        return response
    raise status_error(response.sw, context)
