"""Chip evidence for tests: the LDS files of a simulated CCCD signed by a test PKI, encoded as a phone or kiosk
sends them to the backend, and a CSCA folder the test backends trust. Everything is made on the spot by the
card simulator's factory (hardware/smartcard/simulator), the same code the demo kiosk's software chip uses."""

from __future__ import annotations

import atexit
import base64
import datetime as dt
import functools
import shutil
import tempfile
import unicodedata
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hardware.smartcard import active_auth
from hardware.smartcard.lds import DATA_GROUPS, EF_SOD
from hardware.smartcard.simulator import DemoCitizen, build_test_pki
from hardware.smartcard.simulator.lds_factory import build_lds
from hardware.smartcard.simulator.pki_files import process_pki


def trusted_pki():
    """The process's simulator PKI: the kiosk's simulated devices sign with it too."""
    return process_pki()


@functools.lru_cache(maxsize=1)
def untrusted_pki():
    """Same subject names as the trusted CSCA, different keys: a forger's own 'CSCA'."""
    return build_test_pki()


@functools.lru_cache(maxsize=1)
def csca_dir() -> str:
    """A folder holding the trusted test CSCA certificate (CSCA_STORE_DIR of the test backends)."""
    folder = Path(tempfile.mkdtemp(prefix="congdan-csca-"))
    atexit.register(shutil.rmtree, folder, True)
    (folder / "csca.pem").write_bytes(trusted_pki().csca_certificate.public_bytes(serialization.Encoding.PEM))
    return str(folder)


def _ascii(text: str) -> str:
    return (
        "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        .upper()
        .replace("Đ", "D")
    )


def card_holder(
    personal_id: str, full_name: str, born: dt.date, sex: str = "male", *, issued: dt.date | None = None
) -> DemoCitizen:
    """`issued`: the card's issue date (DG13); by default the simulator's, which the demo's card register holds."""
    surname, _, given = _ascii(full_name).partition(" ")
    holder = DemoCitizen(
        personal_id=personal_id,
        full_name=full_name,
        surname=surname,
        given_names=given or "A",
        birth_date=born,
        sex="Nam" if sex == "male" else "Nữ",
        old_id_number=None,
    )
    return replace(holder, issue_date=issued) if issued else holder


class ChipCard:
    """A citizen's card: its signed files and (unless it is a clone) its AA private key."""

    def __init__(self, holder: DemoCitizen, *, pki=None, aa: bool = True, tamper_data_group: int | None = None):
        self.aa_key = ec.generate_private_key(ec.SECP256R1()) if aa else None
        files = build_lds(
            holder,
            pki or trusted_pki(),
            self.aa_key.public_key() if self.aa_key else None,
            tamper_data_group=tamper_data_group,
        )
        self.sod = files[EF_SOD]
        self.groups = {n: files[DATA_GROUPS[n]] for n in (1, 13, 14, 15) if DATA_GROUPS[n] in files}

    @classmethod
    def of(cls, citizen, **options) -> ChipCard:
        """The card of a registry row (tests' Factory citizens)."""
        return cls(card_holder(citizen.personal_id, citizen.full_name, citizen.date_of_birth, citizen.sex), **options)

    def answer(self, challenge: bytes, *, key=None) -> bytes:
        """The chip's INTERNAL AUTHENTICATE answer (ECDSA plain over the challenge, as DG14 declares)."""
        return active_auth.sign(key or self.aa_key, challenge, "sha256")

    def evidence(
        self,
        *,
        challenge_id: str | None = None,
        challenge: bytes | None = None,
        signature: bytes | None = None,
        leave_out: tuple[int, ...] = (),
        kiosk_verdict: str | None = None,
    ) -> dict:
        """The JSON a phone or kiosk sends: base64 files, and the AA answer to `challenge` when given."""
        body = {"sod": _b64(self.sod)}
        body.update({f"dg{n}": _b64(raw) for n, raw in self.groups.items() if n not in leave_out})
        if challenge_id:
            body["challenge_id"] = challenge_id
            if signature is None and challenge is not None and self.aa_key is not None:
                signature = self.answer(challenge)
            if signature is not None:
                body["aa_signature"] = _b64(signature)
        if kiosk_verdict:
            body["kiosk_verdict"] = kiosk_verdict
        return body


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def b64decode(text: str) -> bytes:
    return base64.b64decode(text)


def kiosk_chip_identity(personal_id: str, date_of_birth: str, full_name: str, sex: str = "male", **overrides):
    """A kiosk Identity of a chip read done offline (no server challenge): the card's files as evidence."""
    from kiosk_app.flow import Identity

    card = ChipCard(card_holder(personal_id, full_name, dt.date.fromisoformat(date_of_birth), sex))
    return Identity(
        "chip",
        personal_id,
        date_of_birth,
        full_name,
        passive_auth_passed=True,
        verified_locally=True,
        chip_evidence=card.evidence(kiosk_verdict="verified"),
        **overrides,
    )


def identity_qr_identity(app, personal_id: str, date_of_birth: str, full_name: str, *, level: int = 2):
    """A kiosk Identity of the app's signed QR, minted with `app`'s current signing key (as the app shows it)."""
    import time
    import uuid

    from backend.core.keys import keyring
    from backend.documents.service import DEFAULT_ISSUER
    from kiosk_app.flow import Identity
    from shared_schemas import signed as jws

    now, jti = int(time.time()), uuid.uuid4().hex
    key = keyring(app).current
    claims = {
        "iss": app.config.get("DOCUMENT_ISSUER") or DEFAULT_ISSUER,
        "sub": personal_id,
        "name": full_name,
        "dob": date_of_birth,
        "lvl": level,
        "iat": now,
        "exp": now + 120,
        "jti": jti,
    }
    token = jws.sign_compact(claims, key.private, key.kid, jws.IDENTITY_TOKEN_TYPE)
    return Identity(
        "signed_qr", personal_id, date_of_birth, full_name, token_id=jti, verified_locally=True, identity_token=token
    )
