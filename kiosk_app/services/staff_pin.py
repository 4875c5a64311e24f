"""The staff PIN that turns on assisted mode: checked on the kiosk against a salted scrypt hash from the
configuration (CONGDAN_KIOSK_STAFF_PIN_HASH), never stored in clear. `python -m kiosk_app.services.staff_pin`
prints the hash of a PIN read from standard input."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sys

_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~30 ms here, slow enough against guessing a stolen hash


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def pin_verifier(stored: str | None):
    """A function PIN -> bool for the flow; None when no PIN is configured (assisted mode is then off)."""
    if not stored:
        return None
    scheme, salt_b64, digest_b64 = stored.split("$")
    if scheme != "scrypt":
        raise ValueError("the staff PIN hash must be scrypt$salt$digest")
    salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)

    def verify(pin: str) -> bool:
        if not pin.isdigit() or not 4 <= len(pin) <= 12:
            return False
        digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
        return hmac.compare_digest(digest, expected)

    return verify


if __name__ == "__main__":
    print(hash_pin(sys.stdin.readline().strip()))
