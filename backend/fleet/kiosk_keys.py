"""How a kiosk's Ed25519 signature is checked, one rule wherever a kiosk key is used: the enrollment proof
(backend/fleet/enrollment.py), the device-token challenge (backend/fleet/device_tokens.py) and every signed
request (backend/fleet/kiosk_directory.py, backend/fleet/device.py).

Verified by libsodium (PyNaCl), not OpenSSL (cryptography): ~75 µs instead of ~155 µs per signature on the bench
machine, and a heartbeat is one signature check (issue 21). The stored key format does not change: the raw 32
bytes, base64url (b64url_decode's strict, canonical spelling, as before).

The two libraries accept the same signatures from every key a kiosk generates (an Ed25519 key pair gives a
canonical point of prime order) and refuse the same forged ones. They differ on keys and signatures no honest
signer produces: libsodium refuses a small-order public key, a non-canonical encoding of one, and a signature
whose R is of small order; OpenSSL accepts them. Decided (issue 21, session 6): refuse them, everywhere.
A small-order key is not a key at all: OpenSSL accepts `enc(B) || 1` as its signature of any message (anyone
can sign as that kiosk; tests/backend/fleet/test_kiosk_keys.py shows it). So such a key cannot enroll (its proof
does not verify: the same 422 as a wrong proof), cannot obtain a device token, and a kiosk already enrolled with
one has every signed request refused with the same 401 as a wrong key; a fleet admin re-enrolls it. Nothing
that libsodium accepts is refused by OpenSSL, so no request accepted before is refused for any other reason.
"""

from __future__ import annotations

from nacl.bindings import crypto_sign_BYTES, crypto_sign_open, crypto_sign_PUBLICKEYBYTES
from nacl.exceptions import BadSignatureError

from shared_schemas.signed import b64url_decode


def parse_public_key(public_key_b64: str) -> bytes | None:
    """The raw key, or None when it is not 32 bytes of canonical base64url (as cryptography's parse refused)."""
    try:
        raw = b64url_decode(public_key_b64)
    except ValueError:
        return None
    return raw if len(raw) == crypto_sign_PUBLICKEYBYTES else None


def verify(public_key: bytes, signature_b64: str, message: bytes) -> bool:
    """Whether `signature_b64` (base64url, canonical) is `public_key`'s Ed25519 signature over `message`."""
    try:
        signature = b64url_decode(signature_b64)
    except ValueError:
        return False
    if len(signature) != crypto_sign_BYTES:
        return False
    try:
        crypto_sign_open(signature + message, public_key)
    except BadSignatureError:
        return False
    return True


def signature_valid(public_key_b64: str, signature_b64: str, message: bytes) -> bool:
    """A kiosk's Ed25519 signature over `message` by its base64url public key (its enrollment proof, its
    answer to a challenge)."""
    public_key = parse_public_key(public_key_b64)
    return public_key is not None and verify(public_key, signature_b64, message)
