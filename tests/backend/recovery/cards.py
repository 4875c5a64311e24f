"""Chip cards whose DG2 holds a real face (tests/faces.py), and the kiosk's requests of a recovery."""

from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives.asymmetric import ec

from hardware.smartcard import active_auth
from hardware.smartcard.lds import DATA_GROUPS, EF_SOD
from hardware.smartcard.simulator.lds_factory import build_lds
from tests import faces
from tests.chip_evidence import card_holder, trusted_pki

ATTEMPTS = "/api/v1/recovery/attempts"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class FaceCard:
    """A citizen's chip card with `face` (an identity of tests/faces.py) as its DG2 photo."""

    def __init__(self, citizen, face: str = "collins", *, aa: bool = True, tamper_photo: bool = False):
        self.aa_key = ec.generate_private_key(ec.SECP256R1()) if aa else None
        holder = card_holder(citizen.personal_id, citizen.full_name, citizen.date_of_birth, citizen.sex)
        files = build_lds(
            holder,
            trusted_pki(),
            self.aa_key.public_key() if self.aa_key else None,
            face=faces.chip_photo(face),
            tamper_data_group=2 if tamper_photo else None,
        )
        self.sod = files[EF_SOD]
        self.groups = {n: files[DATA_GROUPS[n]] for n in (1, 2, 13, 14, 15) if DATA_GROUPS[n] in files}

    def evidence(self, challenge_id: str, challenge: bytes, *, signature: bytes | None = None) -> dict:
        body = {"sod": b64(self.sod), **{f"dg{n}": b64(raw) for n, raw in self.groups.items()}}
        body["challenge_id"] = challenge_id
        if signature is None and self.aa_key is not None:
            signature = active_auth.sign(self.aa_key, challenge, "sha256")
        if signature is not None:
            body["aa_signature"] = b64(signature)
        return body


@functools.lru_cache(maxsize=None)
def frames(face: str, action: str) -> tuple[str, ...]:
    """Base64 JPEG camera frames of `face` doing `action` ("held_photo": a printed photo waved in front)."""
    images = faces.held_photo_frames(face) if action == "held_photo" else faces.live_frames(face, action)
    return tuple(b64(jpeg) for jpeg in faces.encode_frames(images))


def start(client, headers) -> dict:
    response = client.post(ATTEMPTS, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def submit(client, headers, attempt: dict, card: FaceCard, face: str, action: str | None = None, **chip_options):
    """Send the chip read and frames of `face` doing the prompted action (or `action`)."""
    evidence = card.evidence(attempt["challenge_id"], base64.b64decode(attempt["challenge"]), **chip_options)
    body = {"chip": evidence, "frames": list(frames(face, action or attempt["prompt"]))}
    return client.post(f"{ATTEMPTS}/{attempt['attempt_id']}/evidence", json=body, headers=headers)
