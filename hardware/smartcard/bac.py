"""Basic Access Control (ICAO 9303-11 section 4.3): keys from the MRZ, mutual authentication with
GET CHALLENGE / EXTERNAL AUTHENTICATE, session keys and the starting send sequence counter."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from typing import Callable

from hardware.smartcard import crypto
from hardware.smartcard.apdu import CommandAPDU, check_status
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.errors import AccessDenied, SecureMessagingError
from hardware.smartcard.mrz import AccessKey
from hardware.smartcard.sm import SecureMessaging, TdesCipher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BacKeys:
    k_enc: bytes
    k_mac: bytes

    def __repr__(self) -> str:
        return "BacKeys(<redacted>)"


def key_seed(access_key: AccessKey) -> bytes:
    # ICAO 9303-11 §9.7.2 fixes SHA-1 for the key seed; the chip accepts nothing else (bandit B324 does not apply).
    return hashlib.sha1(access_key.mrz_information.encode("ascii")).digest()[:16]  # nosec B324


def derive_keys(access_key: AccessKey) -> BacKeys:
    seed = key_seed(access_key)
    return BacKeys(crypto.kdf(seed, crypto.ENC_COUNTER), crypto.kdf(seed, crypto.MAC_COUNTER))


def authentication_request(keys: BacKeys, rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes) -> bytes:
    """EXTERNAL AUTHENTICATE data: E.IFD = 3DES(Kenc, RND.IFD || RND.IC || K.IFD) then its retail MAC."""
    encrypted = crypto.tdes_encrypt(keys.k_enc, rnd_ifd + rnd_ic + k_ifd)
    return encrypted + crypto.retail_mac(keys.k_mac, crypto.pad(encrypted))


def session_from_response(
    keys: BacKeys, response: bytes, rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes
) -> SecureMessaging:
    """Check the chip's answer (its MAC, and that it echoes our nonce) and derive the session."""
    if len(response) != 40:
        raise AccessDenied(f"EXTERNAL AUTHENTICATE answer of {len(response)} bytes, expected 40")
    encrypted, mac = response[:32], response[32:]
    if not crypto.constant_time_equal(crypto.retail_mac(keys.k_mac, crypto.pad(encrypted)), mac):
        raise SecureMessagingError("MAC of the chip's authentication answer is wrong")
    plain = crypto.tdes_decrypt(keys.k_enc, encrypted)
    if plain[:8] != rnd_ic or plain[8:16] != rnd_ifd:
        raise AccessDenied("the chip did not return our challenge")
    k_ic = plain[16:32]
    return _session(k_ifd, k_ic, rnd_ic, rnd_ifd)


def chip_answer(
    keys: BacKeys, request: bytes, rnd_ic: bytes, random: Callable[[int], bytes] = os.urandom
) -> tuple[bytes, SecureMessaging]:
    """The chip's side of EXTERNAL AUTHENTICATE (for the simulator): check, answer, open the session.
    Raises AccessDenied when the terminal does not hold the key."""
    if len(request) != 40:
        raise AccessDenied("EXTERNAL AUTHENTICATE data must be 40 bytes")
    encrypted, mac = request[:32], request[32:]
    if not crypto.constant_time_equal(crypto.retail_mac(keys.k_mac, crypto.pad(encrypted)), mac):
        raise AccessDenied("wrong access key")
    plain = crypto.tdes_decrypt(keys.k_enc, encrypted)
    rnd_ifd, echoed, k_ifd = plain[:8], plain[8:16], plain[16:32]
    if echoed != rnd_ic:
        raise AccessDenied("terminal answered another challenge")
    k_ic = random(16)
    answer = crypto.tdes_encrypt(keys.k_enc, rnd_ic + rnd_ifd + k_ic)
    answer += crypto.retail_mac(keys.k_mac, crypto.pad(answer))
    return answer, _session(k_ifd, k_ic, rnd_ic, rnd_ifd)


def _session(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SecureMessaging:
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
    return SecureMessaging(TdesCipher.from_seed(seed), rnd_ic[4:] + rnd_ifd[4:])


def perform_bac(channel: CardChannel, access_key: AccessKey, random: Callable[[int], bytes] = os.urandom) -> None:
    """Run BAC on the selected eMRTD application; on success the channel speaks secure messaging."""
    channel.secure_messaging = None
    keys = derive_keys(access_key)
    challenge = check_status(channel.send(CommandAPDU(0x00, 0x84, 0x00, 0x00, le=8)), "GET CHALLENGE")
    rnd_ic = challenge.data
    if len(rnd_ic) != 8:
        raise AccessDenied(f"GET CHALLENGE returned {len(rnd_ic)} bytes, expected 8")
    rnd_ifd, k_ifd = random(8), random(16)
    request = authentication_request(keys, rnd_ic, rnd_ifd, k_ifd)
    response = check_status(channel.send(CommandAPDU(0x00, 0x82, 0x00, 0x00, request, le=40)), "EXTERNAL AUTHENTICATE")
    channel.secure_messaging = session_from_response(keys, response.data, rnd_ic, rnd_ifd, k_ifd)
    log.info("BAC established")
