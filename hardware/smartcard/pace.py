"""PACE (ICAO 9303-11 section 4.4) with ECDH Generic Mapping and the MRZ password: MSE:Set AT, four
GENERAL AUTHENTICATE steps (encrypted nonce, mapping, key agreement, mutual authentication tokens), then
secure messaging with AES / CMAC (or 3DES) and a zero send sequence counter. Both sides are here: the
terminal's ``perform_pace`` and the chip's ``ChipPace`` (for the simulator)."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from typing import Callable, Iterable

from asn1crypto.core import ObjectIdentifier

from hardware.smartcard import crypto, tlv
from hardware.smartcard.apdu import CommandAPDU, ResponseAPDU, check_status
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.ec import STANDARD_CURVES, Curve
from hardware.smartcard.errors import (
    AccessDenied,
    CardStatusError,
    ChipAuthenticationFailed,
    MalformedData,
    UnsupportedCommand,
)
from hardware.smartcard.lds.security_infos import ID_PACE, SecurityInfo
from hardware.smartcard.mrz import AccessKey
from hardware.smartcard.sm import AesCipher, SecureMessaging, SessionCipher, TdesCipher

log = logging.getLogger(__name__)

ID_PACE_ECDH_GM = ID_PACE + ".2"
ID_PACE_ECDH_CAM = ID_PACE + ".6"
#: Password reference of MSE:Set AT (ICAO 9303-11 table 5): 01 = MRZ, 02 = CAN.
PASSWORD_MRZ = 0x01
_PACE_VERSION = 2


@dataclass(frozen=True)
class PaceProtocol:
    """One id-PACE-ECDH-GM-* protocol: the cipher of the nonce, the tokens and secure messaging."""

    oid: str
    cipher: str  # "3DES" | "AES"
    key_bits: int
    mapping: str = "GM"  # "GM" | "CAM" (chip authentication mapping: GM plus proof of the chip's key)

    @property
    def name(self) -> str:
        suite = "3DES-CBC-CBC" if self.cipher == "3DES" else f"AES-CBC-CMAC-{self.key_bits}"
        return f"PACE-ECDH-{self.mapping}-{suite}"

    @property
    def nonce_size(self) -> int:
        return 8 if self.cipher == "3DES" else 16

    def password_key(self, access_key: AccessKey) -> bytes:
        """K_pi = KDF(SHA-1(MRZ information), 3): unlike BAC, the whole 20-byte hash is the seed."""
        # ICAO K_pi (bandit B324 does not apply)
        seed = hashlib.sha1(access_key.mrz_information.encode("ascii")).digest()  # nosec B324
        return crypto.kdf(seed, crypto.PACE_COUNTER, aes_bits=self._aes_bits)

    def session_cipher(self, shared_secret: bytes) -> SessionCipher:
        if self.cipher == "3DES":
            return TdesCipher.from_seed(shared_secret)
        return AesCipher.from_seed(shared_secret, self.key_bits)

    def encrypt_nonce(self, k_pi: bytes, nonce: bytes) -> bytes:
        return crypto.tdes_encrypt(k_pi, nonce) if self.cipher == "3DES" else crypto.aes_encrypt(k_pi, nonce)

    def decrypt_nonce(self, k_pi: bytes, encrypted: bytes) -> bytes:
        if len(encrypted) != self.nonce_size:
            raise MalformedData(f"encrypted nonce of {len(encrypted)} bytes, expected {self.nonce_size}")
        return crypto.tdes_decrypt(k_pi, encrypted) if self.cipher == "3DES" else crypto.aes_decrypt(k_pi, encrypted)

    def token(self, cipher: SessionCipher, curve: Curve, public_point: tuple[int, int]) -> bytes:
        """Authentication token (4.4.3.4): MAC over the other side's ephemeral public key data object."""
        data = tlv.encode(
            0x7F49, ObjectIdentifier(self.oid).dump() + tlv.encode(0x86, curve.encode_point(public_point))
        )
        # Retail MAC works on padded blocks; CMAC pads by itself.
        return cipher.mac(crypto.pad(data) if self.cipher == "3DES" else data)

    @property
    def _aes_bits(self) -> int | None:
        return None if self.cipher == "3DES" else self.key_bits


PROTOCOLS = {
    p.oid: p
    for p in (
        PaceProtocol(ID_PACE_ECDH_GM + ".1", "3DES", 112),
        PaceProtocol(ID_PACE_ECDH_GM + ".2", "AES", 128),
        PaceProtocol(ID_PACE_ECDH_GM + ".3", "AES", 192),
        PaceProtocol(ID_PACE_ECDH_GM + ".4", "AES", 256),
        PaceProtocol(ID_PACE_ECDH_CAM + ".2", "AES", 128, "CAM"),
        PaceProtocol(ID_PACE_ECDH_CAM + ".3", "AES", 192, "CAM"),
        PaceProtocol(ID_PACE_ECDH_CAM + ".4", "AES", 256, "CAM"),
    )
}
ID_PACE_ECDH_GM_AES_CBC_CMAC_128 = ID_PACE_ECDH_GM + ".2"


@dataclass(frozen=True)
class PaceInfo:
    """A PACEInfo of EF.CardAccess that we can run: an ECDH-GM protocol on a standardized curve."""

    protocol: PaceProtocol
    parameter_id: int

    @property
    def curve(self) -> Curve:
        return STANDARD_CURVES[self.parameter_id]

    def encode(self) -> bytes:
        """DER PACEInfo (for the simulator's EF.CardAccess)."""
        return tlv.encode(
            0x30,
            ObjectIdentifier(self.protocol.oid).dump()
            + tlv.encode(0x02, bytes([_PACE_VERSION]))
            + tlv.encode(0x02, bytes([self.parameter_id])),
        )

    def __str__(self) -> str:
        return f"{self.protocol.name} on {self.curve.name}"


def supported_pace_infos(security_infos: Iterable[SecurityInfo] | None) -> list[PaceInfo]:
    """The PACEInfos we can run, in the card's order (CAM first). Others (DH, integrated mapping, proprietary domain
    parameters) are skipped with a log line, so that the reader falls back to BAC."""
    supported = []
    for info in security_infos or ():
        if not info.protocol.startswith(ID_PACE + "."):
            continue
        protocol = PROTOCOLS.get(info.protocol)
        parameter_id = info.integer("optional")
        if protocol is None or info.integer("required") != _PACE_VERSION or parameter_id not in STANDARD_CURVES:
            log.info("PACE option %s (parameters %s) is not supported here", info.protocol, parameter_id)
            continue
        supported.append(PaceInfo(protocol, parameter_id))
    # Chip authentication mapping first: the same PACE, and it proves the chip genuine on the way.
    return sorted(supported, key=lambda info: info.protocol.mapping != "CAM")


def encode_card_access(pace_infos: Iterable[PaceInfo]) -> bytes:
    """EF.CardAccess: the SET OF SecurityInfos announcing these PACE options."""
    return tlv.encode(0x31, b"".join(info.encode() for info in pace_infos))


def _private_key(curve: Curve, random: Callable[[int], bytes]) -> int:
    """A scalar in [1, n-1] from ``random`` (rejection sampling keeps it uniform)."""
    while True:
        candidate = int.from_bytes(random(curve.size), "big")
        if 0 < candidate < curve.n:
            return candidate


def mapped_generator(curve: Curve, nonce: bytes, map_private: int, peer_map_public: tuple[int, int]) -> tuple:
    """Generic Mapping (4.4.3.3.1): G~ = s*G + H with H = map_private * peer's mapping public key."""
    shared = curve.multiply(map_private, peer_map_public)
    if shared is None:
        raise AccessDenied("PACE mapping gave the point at infinity")
    s = int.from_bytes(nonce, "big") % curve.n
    generator = curve.add(curve.multiply_generator(s) if s else None, shared)
    if generator is None:
        raise AccessDenied("PACE mapping gave the point at infinity")
    return generator


def shared_secret(curve: Curve, private: int, peer_public: tuple[int, int]) -> bytes:
    """The x coordinate of private * peer's ephemeral public key, as the field-size octet string.
    The mapped generator changes only the base point, not the curve, so plain ECDH computes it."""
    return curve.ecdh_x(private, peer_public)


def set_at_data(info: PaceInfo, password: int = PASSWORD_MRZ) -> bytes:
    oid = ObjectIdentifier(info.protocol.oid).dump()[2:]
    return tlv.encode(0x80, oid) + tlv.encode(0x83, bytes([password])) + tlv.encode(0x84, bytes([info.parameter_id]))


# -- the terminal ------------------------------------------------------------------------------------


def _general_authenticate(channel: CardChannel, tag: int, value: bytes, answer_tag: int | None, *, last: bool):
    """One step: the answer object's value, or (answer_tag None) all the answer's objects by tag."""
    data = tlv.encode(0x7C, tlv.encode(tag, value) if tag else b"")
    command = CommandAPDU(0x00 if last else 0x10, 0x86, 0x00, 0x00, data, le=256)
    response = check_status(channel.send(command), "GENERAL AUTHENTICATE")
    try:
        root = tlv.parse_single(response.data, 0x7C)
        if answer_tag is None:
            return {obj.tag: obj.value for obj in root.children()}
        return root.child(answer_tag).value
    except MalformedData as exc:
        raise MalformedData(f"GENERAL AUTHENTICATE answer: {exc}") from exc


@dataclass(frozen=True)
class PaceOutcome:
    """What PACE leaves for chip authentication mapping: the chip's mapping public key PK_Map,IC and the
    encrypted chip authentication data A_IC of the last answer (None unless the protocol is CAM)."""

    info: PaceInfo
    chip_map_public: tuple[int, int]
    encrypted_chip_auth_data: bytes | None


def perform_pace(
    channel: CardChannel,
    access_key: AccessKey,
    info: PaceInfo,
    random: Callable[[int], bytes] = os.urandom,
) -> PaceOutcome:
    """Run PACE with the MRZ password; on success the channel speaks AES (or 3DES) secure messaging.
    UnsupportedCommand when the chip refuses the protocol (the caller may fall back to BAC);
    AccessDenied when the password is wrong."""
    protocol, curve = info.protocol, info.curve
    channel.secure_messaging = None
    try:
        check_status(channel.send(CommandAPDU(0x00, 0x22, 0xC1, 0xA4, set_at_data(info))), "MSE:Set AT")
    except AccessDenied:
        raise
    except CardStatusError as exc:
        raise UnsupportedCommand(f"the chip refused {info}: {exc}", exc.sw) from exc
    k_pi = protocol.password_key(access_key)
    nonce = protocol.decrypt_nonce(k_pi, _general_authenticate(channel, 0, b"", 0x80, last=False))

    map_private = _private_key(curve, random)
    map_public = curve.multiply_generator(map_private)
    answer = _general_authenticate(channel, 0x81, curve.encode_point(map_public), 0x82, last=False)
    chip_map_public = curve.decode_point(answer)
    generator = mapped_generator(curve, nonce, map_private, chip_map_public)

    private = _private_key(curve, random)
    public = curve.multiply(private, generator)
    answer = _general_authenticate(channel, 0x83, curve.encode_point(public), 0x84, last=False)
    chip_public = curve.decode_point(answer)
    if chip_public == public:
        raise AccessDenied("the chip echoed our ephemeral key")
    cipher = protocol.session_cipher(shared_secret(curve, private, chip_public))

    last = _general_authenticate(channel, 0x85, protocol.token(cipher, curve, chip_public), None, last=True)
    if not crypto.constant_time_equal(last.get(0x86, b""), protocol.token(cipher, curve, public)):
        raise AccessDenied("the chip's PACE authentication token is wrong")
    encrypted = last.get(0x8A)
    if protocol.mapping == "CAM" and encrypted is None:
        raise ChipAuthenticationFailed("the chip ran PACE-CAM without proving its key (no 8A in its answer)")
    channel.secure_messaging = SecureMessaging(cipher, bytes(cipher.block_size))
    log.info("PACE established (%s)", info)
    return PaceOutcome(info, chip_map_public, encrypted if protocol.mapping == "CAM" else None)


# -- the chip (for the simulator) -------------------------------------------------------------------

SW_OK = 0x9000
SW_AUTH_FAILED = 0x6300
SW_CONDITIONS = 0x6985
SW_WRONG_DATA = 0x6A80


class ChipPace:
    """The chip's side: MSE:Set AT picks the protocol, then each GENERAL AUTHENTICATE advances one step.
    ``general_authenticate`` returns the response and, after the last step, the new SM session."""

    def __init__(
        self,
        access_key: AccessKey,
        offered: Iterable[PaceInfo],
        random: Callable[[int], bytes] = os.urandom,
        *,
        cam_private: int | None = None,
    ) -> None:
        """``cam_private``: the chip's static key SK_IC (EF.CardSecurity holds its public key) for CAM."""
        self.access_key = access_key
        self.cam_private = cam_private
        self.offered = {(i.protocol.oid, i.parameter_id): i for i in offered}
        self.random = random
        self.reset()

    def reset(self) -> None:
        self.info: PaceInfo | None = None
        self.step = 0
        self._state: dict = {}

    def set_at(self, command: CommandAPDU) -> ResponseAPDU:
        self.reset()
        try:
            fields = {obj.tag: obj.value for obj in tlv.parse_all(command.data)}
            oid = ObjectIdentifier.load(tlv.encode(0x06, fields[0x80])).dotted
            password = fields[0x83]
        except (MalformedData, KeyError, ValueError):
            return ResponseAPDU(b"", SW_WRONG_DATA)
        candidates = [
            i for (o, p), i in self.offered.items() if o == oid and (0x84 not in fields or fields[0x84] == bytes([p]))
        ]
        if not candidates or password != bytes([PASSWORD_MRZ]):
            return ResponseAPDU(b"", SW_WRONG_DATA)
        self.info = candidates[0]
        return ResponseAPDU(b"", SW_OK)

    def general_authenticate(self, command: CommandAPDU) -> tuple[ResponseAPDU, SecureMessaging | None]:
        if self.info is None:
            return ResponseAPDU(b"", SW_CONDITIONS), None
        try:
            objects = tlv.parse_single(command.data, 0x7C).children()
            value = objects[0].value if objects else b""
            tag = objects[0].tag if objects else 0
            response, session = self._advance(tag, value, last=not command.cla & 0x10)
        except (MalformedData, IndexError):
            self.reset()
            return ResponseAPDU(b"", SW_WRONG_DATA), None
        except AccessDenied:
            self.reset()
            return ResponseAPDU(b"", SW_AUTH_FAILED), None
        return response, session

    def _advance(self, tag: int, value: bytes, *, last: bool):
        info, state = self.info, self._state
        assert info is not None
        protocol, curve = info.protocol, info.curve
        expected = (0, 0x81, 0x83, 0x85)[self.step] if self.step < 4 else None
        if tag != expected or last != (self.step == 3):
            raise MalformedData(f"GENERAL AUTHENTICATE step {self.step + 1} out of order")
        self.step += 1
        if tag == 0:
            state["nonce"] = self.random(protocol.nonce_size)
            encrypted = protocol.encrypt_nonce(protocol.password_key(self.access_key), state["nonce"])
            return _answer(0x80, encrypted), None
        if tag == 0x81:
            private = _private_key(curve, self.random)
            state["map_private"] = private
            state["generator"] = mapped_generator(curve, state.pop("nonce"), private, curve.decode_point(value))
            return _answer(0x82, curve.encode_point(curve.multiply_generator(private))), None
        if tag == 0x83:
            terminal_public = curve.decode_point(value)
            private = _private_key(curve, self.random)
            public = curve.multiply(private, state["generator"])
            if public == terminal_public:
                raise AccessDenied("terminal echoed the chip's ephemeral key")
            state.update(
                public=public,
                terminal_public=terminal_public,
                cipher=protocol.session_cipher(shared_secret(curve, private, terminal_public)),
            )
            return _answer(0x84, curve.encode_point(public)), None
        cipher = state["cipher"]
        if not crypto.constant_time_equal(value, protocol.token(cipher, curve, state["public"])):
            raise AccessDenied("wrong PACE password")
        answer = tlv.encode(0x86, protocol.token(cipher, curve, state["terminal_public"]))
        if protocol.mapping == "CAM" and self.cam_private is not None:
            from hardware.smartcard import pace_cam

            answer += tlv.encode(
                0x8A, pace_cam.encrypt_chip_auth_data(cipher, curve, state["map_private"], self.cam_private)
            )
        self.reset()
        return ResponseAPDU(tlv.encode(0x7C, answer), SW_OK), SecureMessaging(cipher, bytes(cipher.block_size))


def _answer(tag: int, value: bytes) -> ResponseAPDU:
    return ResponseAPDU(tlv.encode(0x7C, tlv.encode(tag, value)), SW_OK)
