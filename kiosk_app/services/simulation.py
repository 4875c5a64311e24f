"""Simulated devices for the demo: a camera that films the demo patient's ID card and a software chip of
the same card, with its Active Authentication key, signed by the simulator's test CSCA, so `make kiosk` shows
the whole flow without devices. The demo patient is the backend's demo citizen Nguyễn Văn An (backend/demo.py).

With `pki_dir` (CONGDAN_SIMULATOR_PKI_DIR; `make kiosk` points it at the backend's instance/simulator-pki) the
CSCA is the one the demo backend trusts, so the backend verifies the simulated card itself."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric import ec

from hardware.camera import SimulatedCamera
from hardware.smartcard import SimulatedTransport, TrustStore
from hardware.smartcard.simulator import DemoCitizen
from hardware.smartcard.simulator.chip import SimulatedChip
from hardware.smartcard.simulator.pki_files import load_or_create, process_pki

DEMO_PATIENT = DemoCitizen(
    personal_id="001090012345",
    full_name="Nguyễn Văn An",
    surname="NGUYEN",
    given_names="VAN AN",
    birth_date=dt.date(1990, 1, 1),
    issue_date=dt.date(2021, 4, 15),
)


class SimulatedDevices:
    def __init__(
        self,
        patient: DemoCitizen = DEMO_PATIENT,
        *,
        qr_payload: str | None = None,
        pki=None,
        pki_dir: str | None = None,
    ) -> None:
        self.patient = patient
        self.qr_payload = qr_payload  # e.g. a signed identity QR; default: the card's own QR
        self._pki, self._pki_dir = pki, pki_dir

    @cached_property
    def pki(self):
        if self._pki is not None:
            return self._pki
        return load_or_create(self._pki_dir) if self._pki_dir else process_pki()

    @cached_property
    def trust_store(self) -> TrustStore:
        return TrustStore([self.pki.csca_certificate])

    @cached_property
    def aa_key(self) -> ec.EllipticCurvePrivateKey:
        return ec.generate_private_key(ec.SECP256R1())

    @cached_property
    def _chip_files(self):
        from hardware.smartcard.simulator.lds_factory import build_lds

        return build_lds(self.patient, self.pki, self.aa_key.public_key())

    def open_camera(self) -> SimulatedCamera:
        camera = SimulatedCamera(payloads=(self.qr_payload or self.patient.qr_text(),), seed=7)
        camera.open()
        return camera

    def open_card_transport(self) -> SimulatedTransport:
        return SimulatedTransport(
            SimulatedChip(self._chip_files, self.patient.access_key(), aa_private_key=self.aa_key)
        )
