"""Chip Authentication (ICAO 9303-11 6.2; BSI TR-03110 v1 and the AES variant of v2): the chip proves it holds
the private key of the static key agreement key in DG14 by agreeing fresh session keys with the terminal.
3DES: MSE:Set KAT with the terminal's ephemeral key; AES: MSE:Set AT then GENERAL AUTHENTICATE. Both then
restart secure messaging with KDF(K, 1) / KDF(K, 2) and a zero send sequence counter. A clone without the
key cannot answer the next protected command. Terminal side, DG14 interpretation, and the chip's side (for
the simulator)."""

from __future__ import annotations

import enum
import logging
import os
from dataclasses import dataclass
from typing import Callable, Iterable

from asn1crypto.core import ObjectIdentifier

from hardware.smartcard import tlv
from hardware.smartcard.apdu import CommandAPDU, ResponseAPDU, check_status
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.errors import CardStatusError, MalformedData
from hardware.smartcard.key_agreement import (
    DhAgreement,
    KeyAgreement,
    StaticPublicKey,
    encode_public_key_info,
    parse_public_key_info,
)
from hardware.smartcard.lds.security_infos import ID_AA, ID_CA, ID_PACE, ID_PK, SecurityInfo, decode_oid
from hardware.smartcard.sm import AesCipher, SecureMessaging, SessionCipher, TdesCipher

log = logging.getLogger(__name__)

ID_CA_DH = ID_CA + ".1"
ID_CA_ECDH = ID_CA + ".2"
ID_PK_DH = ID_PK + ".1"
ID_PK_ECDH = ID_PK + ".2"
ID_PACE_ECDH_CAM = ID_PACE + ".6"
_GA_DATA = 0x7C
_EPHEMERAL_GA = 0x80
_EPHEMERAL_KAT = 0x91
_KEY_ID = 0x84
_PROTOCOL = 0x80


@dataclass(frozen=True)
class CaProtocol:
    """One id-CA-{DH,ECDH}-{3DES-CBC-CBC,AES-CBC-CMAC-n} protocol."""

    oid: str
    agreement: str  # "DH" | "ECDH"
    cipher: str  # "3DES" | "AES"
    key_bits: int

    @property
    def name(self) -> str:
        suite = "3DES-CBC-CBC" if self.cipher == "3DES" else f"AES-CBC-CMAC-{self.key_bits}"
        return f"CA-{self.agreement}-{suite}"

    def session_cipher(self, shared_secret: bytes) -> SessionCipher:
        if self.cipher == "3DES":
            return TdesCipher.from_seed(shared_secret)
        return AesCipher.from_seed(shared_secret, self.key_bits)


PROTOCOLS = {
    p.oid: p
    for base, agreement in ((ID_CA_DH, "DH"), (ID_CA_ECDH, "ECDH"))
    for p in (
        CaProtocol(base + ".1", agreement, "3DES", 112),
        CaProtocol(base + ".2", agreement, "AES", 128),
        CaProtocol(base + ".3", agreement, "AES", 192),
        CaProtocol(base + ".4", agreement, "AES", 256),
    )
}


@dataclass(frozen=True)
class CaOption:
    """A chip authentication key of DG14 paired with the protocol to run it with."""

    protocol: CaProtocol
    key: StaticPublicKey
    key_id: int | None = None

    def __str__(self) -> str:
        return f"{self.protocol.name} (key {self.key_id if self.key_id is not None else 'default'})"


@dataclass(frozen=True)
class Dg14Offer:
    """What DG14's SecurityInfos declare about anti-cloning."""

    options: tuple[CaOption, ...]
    chip_authentication_declared: bool  # any ChipAuthenticationPublicKeyInfo / Info, usable or not
    active_authentication_declared: bool
    problems: tuple[str, ...] = ()
    #: DG14 lists a PACEInfo with chip authentication mapping: the chip must prove itself by PACE-CAM or CA.
    cam_declared: bool = False


def interpret_dg14(security_infos: Iterable[SecurityInfo] | None) -> Dg14Offer:
    """Pair ChipAuthenticationInfos with ChipAuthenticationPublicKeyInfos by keyId. A public key with no
    ChipAuthenticationInfo runs the 3DES protocol of its algorithm (9303-11 9.2.5)."""
    infos = list(security_infos or ())
    keys: dict[int | None, StaticPublicKey] = {}
    protocols: dict[int | None, CaProtocol] = {}
    problems: list[str] = []
    declared = False
    for info in infos:
        if info.protocol in (ID_PK_DH, ID_PK_ECDH):
            declared = True
            try:
                if info.required is None or info.required.tag != 0x30:
                    raise MalformedData("ChipAuthenticationPublicKeyInfo without a SubjectPublicKeyInfo")
                key = parse_public_key_info(info.required.encode())
            except MalformedData as exc:
                problems.append(str(exc))
                continue
            if (info.protocol == ID_PK_DH) != isinstance(key.agreement, DhAgreement):
                problems.append(f"{info.protocol} holds a {key.agreement.kind} key")
                continue
            keys[info.integer("optional")] = key
        elif info.protocol.startswith(ID_CA + "."):
            declared = True
            protocol = PROTOCOLS.get(info.protocol)
            if protocol is None:
                problems.append(f"chip authentication protocol {info.protocol} is not supported")
                continue
            protocols[info.integer("optional")] = protocol
    options = []
    for key_id, key in keys.items():
        protocol = protocols.get(key_id)
        if protocol is None and len(keys) == 1 and len(protocols) == 1:
            protocol = next(iter(protocols.values()))  # one key, one protocol: keyIds may be left out
        if protocol is None:
            protocol = PROTOCOLS[(ID_CA_DH if key.agreement.kind == "DH" else ID_CA_ECDH) + ".1"]
        if protocol.agreement != key.agreement.kind:
            problems.append(f"{protocol.name} does not match the {key.agreement.kind} key {key_id}")
            continue
        options.append(CaOption(protocol, key, key_id))
    if declared and not options and not problems:
        problems.append("DG14 declares chip authentication without a public key")
    aa = any(info.protocol == ID_AA for info in infos)
    cam = any(info.protocol.startswith(ID_PACE_ECDH_CAM + ".") for info in infos)
    return Dg14Offer(tuple(options), declared, aa, tuple(problems), cam)


class CaStatus(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"  # the chip could not continue under the agreed keys: it lacks the DG14 private key
    REFUSED = "refused"  # the chip answered the CA commands with an error
    NOT_POSSIBLE = "not possible"  # DG14 declares CA in a form this reader cannot run
    NOT_SUPPORTED = "not supported"  # DG14 declares no chip authentication


@dataclass(frozen=True)
class ChipAuthResult:
    status: CaStatus
    detail: str = ""
    protocol: str | None = None

    @property
    def passed(self) -> bool:
        return self.status is CaStatus.PASSED


# -- the terminal ---------------------------------------------------------------------------------


def _key_id(key_id: int | None) -> bytes:
    if key_id is None:
        return b""
    return tlv.encode(_KEY_ID, key_id.to_bytes(max(1, (key_id.bit_length() + 7) // 8), "big"))


def _oid_value(oid: str) -> bytes:
    return ObjectIdentifier(oid).dump()[2:]


def parse_general_authenticate_answer(data: bytes) -> dict[int, bytes]:
    """The dynamic authentication data (7C) of a GENERAL AUTHENTICATE answer: its objects by tag."""
    try:
        root = tlv.parse_single(data, _GA_DATA)
        return {obj.tag: obj.value for obj in root.children()}
    except MalformedData as exc:
        raise MalformedData(f"GENERAL AUTHENTICATE answer: {exc}") from exc


def perform_chip_authentication(
    channel: CardChannel,
    option: CaOption,
    random: Callable[[int], bytes] = os.urandom,
    *,
    extended: bool = True,
) -> ChipAuthResult:
    """Run CA under the current secure messaging and switch the channel to the new keys. PASSED here means
    only that the chip accepted the key; the caller's next protected command proves it (a chip without the
    private key derives other keys and the MAC fails: ChipAuthenticationFailed at that point).
    ``extended``: the card takes extended-length APDUs; if not, a long key (DH) goes by command chaining."""
    agreement: KeyAgreement = option.key.agreement
    private, public = agreement.generate(random)
    secret = agreement.shared_secret(private, option.key.public)
    try:
        if option.protocol.cipher == "3DES":
            data = tlv.encode(_EPHEMERAL_KAT, public) + _key_id(option.key_id)
            command = CommandAPDU(0x00, 0x22, 0x41, 0xA6, data)
            check_status(channel.send_chained(command, extended=extended), "MSE:Set KAT")
        else:
            data = tlv.encode(_PROTOCOL, _oid_value(option.protocol.oid)) + _key_id(option.key_id)
            check_status(channel.send(CommandAPDU(0x00, 0x22, 0x41, 0xA4, data)), "MSE:Set AT (CA)")
            command = CommandAPDU(0x00, 0x86, 0x00, 0x00, tlv.encode(_GA_DATA, tlv.encode(0x80, public)), le=256)
            answer = check_status(channel.send_chained(command, extended=extended), "GENERAL AUTHENTICATE (CA)")
            parse_general_authenticate_answer(answer.data)
    except CardStatusError as exc:
        log.warning("the chip refused chip authentication: %s", exc)
        return ChipAuthResult(CaStatus.REFUSED, f"the chip refused chip authentication ({exc})", str(option))
    cipher = option.protocol.session_cipher(secret)
    channel.secure_messaging = SecureMessaging(cipher, bytes(cipher.block_size))
    log.info("chip authentication: secure messaging restarted (%s)", option)
    return ChipAuthResult(
        CaStatus.PASSED, "secure messaging continued under keys agreed with the DG14 key", str(option)
    )


# -- the chip (for the simulator) ------------------------------------------------------------------

SW_OK = 0x9000
SW_CONDITIONS = 0x6985
SW_WRONG_DATA = 0x6A80
SW_INS_NOT_SUPPORTED = 0x6D00


class ChipCa:
    """The chip's side. Each handler returns the response (sent under the old session) and, once keys are
    agreed, the new session that replaces it after that response."""

    def __init__(self, agreement: KeyAgreement, private: int, protocol: CaProtocol, key_id: int | None = None):
        self.agreement, self.private, self.protocol, self.key_id = agreement, private, protocol, key_id
        self._armed = False

    def reset(self) -> None:
        self._armed = False

    @property
    def armed(self) -> bool:
        """MSE:Set AT chose chip authentication: the next GENERAL AUTHENTICATE is ours, not PACE's."""
        return self._armed

    def _session(self, terminal_public: bytes) -> SecureMessaging:
        cipher = self.protocol.session_cipher(self.agreement.shared_secret(self.private, terminal_public))
        return SecureMessaging(cipher, bytes(cipher.block_size))

    def _fields(self, data: bytes) -> dict[int, bytes]:
        return {obj.tag: obj.value for obj in tlv.parse_all(data)}

    def _key_matches(self, fields: dict[int, bytes]) -> bool:
        return _KEY_ID not in fields or _key_id(self.key_id)[2:] == fields[_KEY_ID]

    def set_kat(self, command: CommandAPDU) -> tuple[ResponseAPDU, SecureMessaging | None]:
        if self.protocol.cipher != "3DES":
            return ResponseAPDU(b"", SW_CONDITIONS), None
        try:
            fields = self._fields(command.data)
            if not self._key_matches(fields):
                return ResponseAPDU(b"", SW_WRONG_DATA), None
            return ResponseAPDU(b"", SW_OK), self._session(fields[_EPHEMERAL_KAT])
        except (MalformedData, KeyError):
            return ResponseAPDU(b"", SW_WRONG_DATA), None

    def set_at(self, command: CommandAPDU) -> ResponseAPDU:
        self._armed = False
        try:
            fields = self._fields(command.data)
            oid = decode_oid(fields[_PROTOCOL])
        except (MalformedData, KeyError):
            return ResponseAPDU(b"", SW_WRONG_DATA)
        if oid != self.protocol.oid or not self._key_matches(fields):
            return ResponseAPDU(b"", SW_WRONG_DATA)
        self._armed = True
        return ResponseAPDU(b"", SW_OK)

    def general_authenticate(self, command: CommandAPDU) -> tuple[ResponseAPDU, SecureMessaging | None]:
        if not self._armed:
            return ResponseAPDU(b"", SW_CONDITIONS), None
        self._armed = False
        try:
            public = parse_general_authenticate_answer(command.data)[_EPHEMERAL_GA]
            session = self._session(public)
        except (MalformedData, KeyError):
            return ResponseAPDU(b"", SW_WRONG_DATA), None
        return ResponseAPDU(tlv.encode(_GA_DATA, b""), SW_OK), session


def encode_dg14_infos(
    agreement: KeyAgreement,
    public: bytes,
    protocol: CaProtocol,
    *,
    key_id: int | None = None,
    explicit_curve: bool = False,
) -> bytes:
    """ChipAuthenticationPublicKeyInfo + ChipAuthenticationInfo, DER, for the simulator's DG14."""
    pk_oid = ID_PK_DH if agreement.kind == "DH" else ID_PK_ECDH
    key_id_der = b"" if key_id is None else tlv.encode(0x02, _key_id(key_id)[2:])
    spki = encode_public_key_info(agreement, public, explicit=explicit_curve)
    return tlv.encode(0x30, ObjectIdentifier(pk_oid).dump() + spki + key_id_der) + tlv.encode(
        0x30, ObjectIdentifier(protocol.oid).dump() + tlv.encode(0x02, b"\x01") + key_id_der
    )
