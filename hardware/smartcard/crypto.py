"""ICAO 9303 symmetric primitives: MRZ check digits, the key-derivation function, 3DES / AES,
ISO 9797-1 padding and MACs. Pure functions on bytes."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hardware.smartcard.errors import InvalidAccessKey, SecureMessagingError

ENC_COUNTER = 1
MAC_COUNTER = 2
PACE_COUNTER = 3

_CHECK_WEIGHTS = (7, 3, 1)


def check_digit(field: str) -> str:
    """ICAO 9303 Part 3 check digit: weights 7-3-1; digits as is, A-Z as 10-35, '<' as 0."""
    total = 0
    for index, char in enumerate(field):
        if char.isdigit() and char.isascii():
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - 55
        elif char == "<":
            value = 0
        else:
            raise InvalidAccessKey(f"character {char!r} is not allowed in an MRZ field")
        total += value * _CHECK_WEIGHTS[index % 3]
    return str(total % 10)


def adjust_parity(key: bytes) -> bytes:
    """Set odd parity on every byte, as DES keys are written (DES itself ignores the parity bits)."""
    out = bytearray()
    for byte in key:
        high = byte & 0xFE
        out.append(high | (bin(high).count("1") + 1) % 2)
    return bytes(out)


def kdf(seed: bytes, counter: int, *, aes_bits: int | None = None) -> bytes:
    """ICAO 9303-11 9.7.1: 3DES 2-key (default) or AES-128/192/256 key from a shared seed."""
    data = seed + counter.to_bytes(4, "big")
    if aes_bits is None:
        # ICAO 9303-11 KDF is SHA-1 (bandit B324 does not apply)
        return adjust_parity(hashlib.sha1(data).digest()[:16])  # nosec B324
    if aes_bits == 128:
        # ICAO 9303-11 KDF (AES-128) is SHA-1 (bandit B324 does not apply)
        return hashlib.sha1(data).digest()[:16]  # nosec B324
    if aes_bits == 192:
        return hashlib.sha256(data).digest()[:24]
    if aes_bits == 256:
        return hashlib.sha256(data).digest()
    raise ValueError(f"unsupported AES key size {aes_bits}")


def pad(data: bytes, block: int = 8) -> bytes:
    """ISO 9797-1 padding method 2: 0x80 then zeros up to the block size."""
    return data + b"\x80" + b"\x00" * ((block - (len(data) + 1) % block) % block)


def unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise SecureMessagingError("invalid ISO 9797-1 padding in a protected response")
    return stripped[:-1]


def _tdes_key(key: bytes) -> bytes:
    if len(key) not in (8, 16, 24):
        raise ValueError("3DES key must be 8, 16 or 24 bytes")
    return key


def tdes_encrypt(key: bytes, data: bytes, iv: bytes = b"\x00" * 8) -> bytes:
    """3DES-CBC, no padding (callers pad)."""
    encryptor = Cipher(TripleDES(_tdes_key(key)), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def tdes_decrypt(key: bytes, data: bytes, iv: bytes = b"\x00" * 8) -> bytes:
    if len(data) % 8:
        raise SecureMessagingError("3DES ciphertext is not a whole number of blocks")
    decryptor = Cipher(TripleDES(_tdes_key(key)), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 MAC algorithm 3 (retail MAC) with DES, over data already padded to 8 bytes.

    Single-DES CBC with Ka over all blocks but the last, then 3DES (Ka, Kb, Ka) on the last one,
    which equals the textbook "DES with Ka, then decrypt Kb / encrypt Ka on the final block"."""
    if len(data) % 8 or not data:
        raise ValueError("retail MAC input must be padded to whole 8-byte blocks")
    ka = key[:8]
    iv = b"\x00" * 8
    if len(data) > 8:
        iv = tdes_encrypt(ka, data[:-8])[-8:]
    return tdes_encrypt(key[:16], data[-8:], iv)


def aes_encrypt(key: bytes, data: bytes, iv: bytes = b"\x00" * 16) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def aes_decrypt(key: bytes, data: bytes, iv: bytes = b"\x00" * 16) -> bytes:
    if len(data) % 16:
        raise SecureMessagingError("AES ciphertext is not a whole number of blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def aes_ecb_block(key: bytes, block: bytes) -> bytes:
    # One block, as ICAO 9303-11 §9.8.6.1 derives the SM IV: E(KSenc, SSC). Not bulk encryption.
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # nosec B305
    return encryptor.update(block) + encryptor.finalize()


def aes_cmac(key: bytes, data: bytes, length: int = 8) -> bytes:
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()[:length]


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
