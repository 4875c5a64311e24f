"""ICAO 9303-11 secure messaging: wrap commands and unwrap responses with the session keys and the
send sequence counter (SSC). Both sides are here (the terminal's and the chip's, for the simulator);
pure bytes in / out, the only state is the counter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hardware.smartcard import crypto, tlv
from hardware.smartcard.apdu import EXTENDED_MAX_LE, SHORT_MAX_LE, CommandAPDU, ResponseAPDU
from hardware.smartcard.errors import MalformedTlv, SecureMessagingError

_DO_ENCRYPTED_ODD = 0x85
_DO_ENCRYPTED = 0x87
_DO_LE = 0x97
_DO_STATUS = 0x99
_DO_MAC = 0x8E
_SM_CLA = 0x0C

#: Bytes secure messaging adds around a response of n <= 255 bytes once padded (short form):
#: DO87 header (87 81 xx 01) + DO99 (4) + DO8E (10).
SHORT_RESPONSE_OVERHEAD = 4 + 4 + 10


class SessionCipher(Protocol):
    """The cipher suite secure messaging runs on: 3DES / retail MAC (BAC, PACE-3DES) or AES / CMAC (PACE).
    ``block_size`` is also the size of the send sequence counter."""

    block_size: int

    def encrypt(self, ssc: bytes, data: bytes) -> bytes: ...
    def decrypt(self, ssc: bytes, data: bytes) -> bytes: ...
    def mac(self, data: bytes) -> bytes: ...


@dataclass
class TdesCipher:
    """3DES session keys (BAC, or PACE with 3DES): IV zero, retail MAC, 8-byte SSC."""

    ks_enc: bytes
    ks_mac: bytes
    block_size: int = 8

    @classmethod
    def from_seed(cls, seed: bytes) -> TdesCipher:
        """Session keys from the key seed (BAC: K.IFD xor K.IC) or shared secret (PACE) by the 9.7.1 KDF."""
        return cls(crypto.kdf(seed, crypto.ENC_COUNTER), crypto.kdf(seed, crypto.MAC_COUNTER))

    def encrypt(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.tdes_encrypt(self.ks_enc, data)

    def decrypt(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.tdes_decrypt(self.ks_enc, data)

    def mac(self, data: bytes) -> bytes:
        return crypto.retail_mac(self.ks_mac, data)


@dataclass
class AesCipher:
    """AES session keys (PACE): IV = E(KSenc, SSC), AES-CMAC truncated to 8 bytes, 16-byte SSC."""

    ks_enc: bytes
    ks_mac: bytes
    block_size: int = 16

    @classmethod
    def from_seed(cls, seed: bytes, key_bits: int = 128) -> AesCipher:
        return cls(
            crypto.kdf(seed, crypto.ENC_COUNTER, aes_bits=key_bits),
            crypto.kdf(seed, crypto.MAC_COUNTER, aes_bits=key_bits),
        )

    def encrypt(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.aes_encrypt(self.ks_enc, data, crypto.aes_ecb_block(self.ks_enc, ssc))

    def decrypt(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.aes_decrypt(self.ks_enc, data, crypto.aes_ecb_block(self.ks_enc, ssc))

    def mac(self, data: bytes) -> bytes:
        return crypto.aes_cmac(self.ks_mac, data)


class SecureMessaging:
    """One side of an SM session. ``wrap_command``/``unwrap_response`` for the terminal,
    ``unwrap_command``/``wrap_response`` for the chip. Every call advances the SSC once."""

    def __init__(self, cipher: SessionCipher, ssc: bytes) -> None:
        self.cipher = cipher
        self._ssc = int.from_bytes(ssc, "big")
        self._ssc_size = cipher.block_size

    @property
    def ssc(self) -> bytes:
        return self._ssc.to_bytes(self._ssc_size, "big")

    def _next_ssc(self) -> bytes:
        self._ssc = (self._ssc + 1) % (1 << (8 * self._ssc_size))
        return self.ssc

    def _pad(self, data: bytes) -> bytes:
        return crypto.pad(data, self.cipher.block_size)

    def _verified_objects(self, data: bytes, ssc: bytes, header: bytes, what: str) -> list[tuple[int, bytes]]:
        """The data objects before DO8E, once the MAC over SSC || header || them has been checked."""
        objects = _split_objects(data) if data else []
        if not objects or objects[-1][0] != _DO_MAC:
            raise SecureMessagingError(f"protected {what} does not end with a MAC object")
        expected = self.cipher.mac(self._pad(ssc + header + data[: objects[-1][2]]))
        if not crypto.constant_time_equal(expected, objects[-1][1]):
            raise SecureMessagingError(f"MAC of the {what} is wrong")
        return [(tag, value) for tag, value, _ in objects[:-1]]

    def _decrypt(self, tag: int, value: bytes, ssc: bytes) -> bytes:
        if tag == _DO_ENCRYPTED:
            if not value or value[0] != 0x01:
                raise SecureMessagingError("DO87 without padding-content indicator 01")
            value = value[1:]
        return crypto.unpad(self.cipher.decrypt(ssc, value))

    # -- terminal side -------------------------------------------------------------------
    def wrap_command(self, command: CommandAPDU) -> CommandAPDU:
        cla = command.cla | _SM_CLA
        header = bytes([cla, command.ins, command.p1, command.p2])
        objects = b""
        ssc = self._next_ssc()
        if command.data:
            tag = _DO_ENCRYPTED_ODD if command.ins & 1 else _DO_ENCRYPTED
            encrypted = self.cipher.encrypt(ssc, self._pad(command.data))
            body = encrypted if tag == _DO_ENCRYPTED_ODD else b"\x01" + encrypted
            objects += tlv.encode(tag, body)
        extended = command.is_extended
        if command.le is not None:
            le_bytes = (
                (command.le % EXTENDED_MAX_LE).to_bytes(2, "big") if extended else bytes([command.le % SHORT_MAX_LE])
            )
            objects += tlv.encode(_DO_LE, le_bytes)
        mac = self.cipher.mac(self._pad(ssc + self._pad(header) + objects))
        data = objects + tlv.encode(_DO_MAC, mac)
        extended = extended or len(data) > 255
        le = EXTENDED_MAX_LE if extended else SHORT_MAX_LE
        return CommandAPDU(cla, command.ins, command.p1, command.p2, data, le, extended=extended)

    def unwrap_response(self, response: ResponseAPDU) -> ResponseAPDU:
        ssc = self._next_ssc()
        if not response.data:
            if response.sw in (0x9000, 0x6282):
                raise SecureMessagingError("protected response without secure messaging objects")
            # The chip reports an error in plain and ends the session; there is no data to trust.
            return ResponseAPDU(b"", response.sw)
        objects = self._verified_objects(response.data, ssc, b"", "response")
        data = b""
        status = response.sw
        for tag, value in objects:
            if tag in (_DO_ENCRYPTED, _DO_ENCRYPTED_ODD):
                data = self._decrypt(tag, value, ssc)
            elif tag == _DO_STATUS:
                if len(value) != 2:
                    raise SecureMessagingError("DO99 must hold exactly a status word")
                status = int.from_bytes(value, "big")
            else:
                raise SecureMessagingError(f"unexpected data object {tag:X} in a protected response")
        return ResponseAPDU(data, status)

    # -- chip side -----------------------------------------------------------------------
    def unwrap_command(self, protected: CommandAPDU) -> CommandAPDU:
        ssc = self._next_ssc()
        if protected.cla & _SM_CLA != _SM_CLA:
            raise SecureMessagingError("command is not protected")
        objects = self._verified_objects(protected.data, ssc, self._pad(protected.header()), "command")
        data, le, extended = b"", None, protected.is_extended
        for tag, value in objects:
            if tag in (_DO_ENCRYPTED, _DO_ENCRYPTED_ODD):
                data = self._decrypt(tag, value, ssc)
            elif tag == _DO_LE:
                if len(value) == 1:
                    le = value[0] or SHORT_MAX_LE
                elif len(value) == 2:
                    le, extended = int.from_bytes(value, "big") or EXTENDED_MAX_LE, True
                else:
                    raise SecureMessagingError("DO97 must hold one or two bytes")
            else:
                raise SecureMessagingError(f"unexpected data object {tag:X} in a protected command")
        return CommandAPDU(
            protected.cla & ~_SM_CLA & 0xFF,
            protected.ins,
            protected.p1,
            protected.p2,
            data,
            le,
            extended=extended,
        )

    def wrap_response(self, response: ResponseAPDU, *, extra_objects: bytes = b"") -> ResponseAPDU:
        """``extra_objects`` lets the card simulator send data objects a real chip would not."""
        ssc = self._next_ssc()
        objects = b""
        if response.data:
            objects += tlv.encode(_DO_ENCRYPTED, b"\x01" + self.cipher.encrypt(ssc, self._pad(response.data)))
        objects += tlv.encode(_DO_STATUS, response.sw.to_bytes(2, "big")) + extra_objects
        mac = self.cipher.mac(self._pad(ssc + objects))
        return ResponseAPDU(objects + tlv.encode(_DO_MAC, mac), response.sw)


def _split_objects(data: bytes) -> list[tuple[int, bytes, int]]:
    """(tag, value, start offset) of each top-level object; typed errors for anything malformed."""
    objects = []
    offset = 0
    try:
        while offset < len(data):
            start = offset
            obj, offset = tlv.parse_one(data, offset)
            objects.append((obj.tag, obj.value, start))
    except MalformedTlv as exc:
        raise SecureMessagingError(f"malformed secure messaging objects: {exc}") from exc
    if not objects:
        raise SecureMessagingError("no secure messaging objects")
    return objects


def max_short_read(block_size: int = 8) -> int:
    """Largest plain READ BINARY chunk whose protected response still fits a short (256-byte) APDU."""
    best = 0
    for n in range(1, 256):
        padded = (n // block_size + 1) * block_size
        do87 = 1 + len(tlv.encode_length(padded + 1)) + 1 + padded
        if do87 + 4 + 10 <= SHORT_MAX_LE:
            best = n
    return best
