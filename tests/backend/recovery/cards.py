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


def recovery_backend(folder, holders: int = 4):
    """A backend app on its own migrated SQLite file with a kiosk account (hospital BV01) and citizens with
    level-2 accounts; returns (app, kiosk username, [card holders]). For the kiosk tests and the bench."""
    from backend import create_app, migrate
    from backend.database import make_engine
    from backend.extensions import db
    from backend.registry.reference import sync_administrative_units
    from tests.backend.helpers import Factory
    from tests.kiosk_app.live_backend import backend_config

    url = f"sqlite:///{folder / 'recovery.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(backend_config(url))
    with app.app_context():
        sync_administrative_units(session=db.session)
        factory = Factory(db.session)
        kiosk = factory.staff("kiosk", "BV01")
        people = []
        for _ in range(holders):
            citizen = factory.citizen(full_name="Lê Thị Hoa", sex="female")
            factory.account(citizen, level=2)
            people.append(card_holder(citizen.personal_id, citizen.full_name, citizen.date_of_birth, citizen.sex))
        db.session.commit()
        return app, kiosk.username, people


def simulated_chip(holder, face: str = "collins"):
    """The software chip of `holder` with `face` in DG2 and a genuine AA key."""
    from hardware.smartcard.simulator.chip import SimulatedChip

    key = ec.generate_private_key(ec.SECP256R1())
    files = build_lds(holder, trusted_pki(), key.public_key(), face=faces.chip_photo(face))
    return SimulatedChip(files, holder.access_key(), aa_private_key=key)


def camera_file(folder, face: str, action: str):
    """A video file (MJPG) of `face` doing `action`, for hardware.camera.file.FileFrameSource."""
    import cv2

    path = folder / f"camera-{face}-{action}.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, faces.FRAME_SIZE)
    for frame in faces.live_frames(face, action):
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path
