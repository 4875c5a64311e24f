"""Active authentication (ICAO 9303-11 6.1): the chip signs our random challenge with the private key
whose public half is in DG15, proving it is not a copy. RSA uses ISO/IEC 9796-2 scheme 1, ECDSA the
plain (r || s) format with the hash named in DG14."""

from __future__ import annotations

import enum
import hashlib
import logging
import os
from dataclasses import dataclass
from typing import Callable

from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from hardware.smartcard.apdu import CommandAPDU, check_status
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.errors import ActiveAuthenticationFailed, CardStatusError
from hardware.smartcard.lds.security_infos import ID_AA, SecurityInfo

log = logging.getLogger(__name__)

#: ecdsa-plain-signatures (BSI TR-03111) by hash.
ECDSA_PLAIN_OIDS = {
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
}
#: ISO/IEC 10118-3 hash identifiers used in the 9796-2 trailer 'xx CC'.
_ISO9796_HASH_IDS = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}


class AaStatus(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_SUPPORTED = "not supported"  # no DG15 on the chip
    NOT_VERIFIED = "not verified"  # DG15 holds a key this reader cannot use (reported, not a pass)
    NOT_PERFORMED = "not performed"  # the caller switched it off although the chip offers it


@dataclass(frozen=True)
class ActiveAuthResult:
    status: AaStatus
    detail: str = ""
    #: The evidence, so that a verifier elsewhere (the backend) can check it again with DG15's key.
    challenge: bytes = b""
    signature: bytes = b""

    @property
    def passed(self) -> bool:
        return self.status is AaStatus.PASSED


def signature_hash_from_dg14(security_infos: list[SecurityInfo] | None) -> str | None:
    for info in security_infos or []:
        if info.protocol == ID_AA:
            oid = info.oid("optional")
            return ECDSA_PLAIN_OIDS.get(oid or "")
    return None


def verify(
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    challenge: bytes,
    signature: bytes,
    hash_name: str | None = None,
) -> bool:
    if isinstance(public_key, rsa.RSAPublicKey):
        return _verify_iso9796_2(public_key, challenge, signature)
    size = (public_key.curve.key_size + 7) // 8
    if len(signature) != 2 * size:
        return False
    der = encode_dss_signature(int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"))
    for name in [hash_name] if hash_name else ["sha256", "sha1", "sha224", "sha384", "sha512"]:
        try:
            public_key.verify(der, challenge, ec.ECDSA(getattr(hashes, name.upper())()))
            return True
        except CryptoInvalidSignature:
            continue
    return False


def _verify_iso9796_2(public_key: rsa.RSAPublicKey, challenge: bytes, signature: bytes) -> bool:
    numbers = public_key.public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    value = int.from_bytes(signature, "big")
    if len(signature) > size or value >= numbers.n:
        return False
    message = pow(value, numbers.e, numbers.n).to_bytes(size, "big")
    if message[-1] == 0xBC:
        hash_name, trailer = "sha1", 1
    elif message[-1] == 0xCC and message[-2] in _ISO9796_HASH_IDS:
        hash_name, trailer = _ISO9796_HASH_IDS[message[-2]], 2
    else:
        return False
    if message[0] & 0xC0 != 0x40:
        return False
    digest_size = hashlib.new(hash_name).digest_size
    recovered = message[1 : len(message) - trailer - digest_size]
    digest = message[len(message) - trailer - digest_size : len(message) - trailer]
    return hashlib.new(hash_name, recovered + challenge).digest() == digest


def sign(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    challenge: bytes,
    hash_name: str = "sha256",
    random: Callable[[int], bytes] = os.urandom,
) -> bytes:
    """The chip's side (for the simulator)."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        der = private_key.sign(challenge, ec.ECDSA(getattr(hashes, hash_name.upper())()))
        r, s = decode_dss_signature(der)
        size = (private_key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    numbers = private_key.private_numbers()
    n = numbers.public_numbers.n
    size = (n.bit_length() + 7) // 8
    recoverable = random(size - 20 - 2)  # SHA-1, trailer BC: the 9303 default for RSA
    # ISO 9796-2 AA as the chip signs it (bandit B324 does not apply)
    message = b"\x6a" + recoverable + hashlib.sha1(recoverable + challenge).digest() + b"\xbc"  # nosec B324
    return pow(int.from_bytes(message, "big"), numbers.d, n).to_bytes(size, "big")


def perform_active_authentication(
    channel: CardChannel,
    public_key,
    hash_name: str | None = None,
    *,
    extended: bool = False,
    random: Callable[[int], bytes] = os.urandom,
    challenge: bytes | None = None,
) -> ActiveAuthResult:
    """INTERNAL AUTHENTICATE over ``challenge`` (8 bytes: one the backend issued, so that it can check the
    signature itself) or a fresh random one. A chip that refuses the command has not proved anything."""
    if challenge is None:
        challenge = random(8)
    if len(challenge) != 8:
        raise ValueError("the active authentication challenge must be 8 bytes (ICAO 9303-11 6.1)")
    command = CommandAPDU(0x00, 0x88, 0x00, 0x00, challenge, le=65536 if extended else 256)
    try:
        response = check_status(channel.send(command), "INTERNAL AUTHENTICATE")
    except CardStatusError as exc:
        log.warning("active authentication refused: %s", exc)
        return ActiveAuthResult(AaStatus.FAILED, f"the chip refused INTERNAL AUTHENTICATE ({exc})", challenge, b"")
    if verify(public_key, challenge, response.data, hash_name):
        log.info("active authentication passed")
        return ActiveAuthResult(
            AaStatus.PASSED, "the chip proved it holds the DG15 private key", challenge, response.data
        )
    log.warning("active authentication failed")
    return ActiveAuthResult(
        AaStatus.FAILED, "the chip's signature does not verify with the DG15 key", challenge, response.data
    )


def raise_for_failure(result: ActiveAuthResult) -> None:
    if result.status is AaStatus.FAILED:
        raise ActiveAuthenticationFailed(result.detail)
