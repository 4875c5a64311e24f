"""Simulated devices for the demo: a camera that films the demo patient's ID card and a software chip of
the same card (signed by a test CSCA the kiosk trusts), so `make kiosk` shows the whole flow without devices.
The demo patient is the backend's demo citizen Nguyễn Văn An (backend/demo.py)."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from hardware.camera import SimulatedCamera
from hardware.smartcard import SimulatedTransport, TrustStore
from hardware.smartcard.simulator import DemoCitizen, build_chip, build_test_pki

DEMO_PATIENT = DemoCitizen(personal_id="001090012345", full_name="Nguyễn Văn An", surname="NGUYEN",
                           given_names="VAN AN", birth_date=dt.date(1990, 1, 1),
                           issue_date=dt.date(2021, 4, 15))


class SimulatedDevices:
    def __init__(self, patient: DemoCitizen = DEMO_PATIENT, *, qr_payload: str | None = None) -> None:
        self.patient = patient
        self.qr_payload = qr_payload  # e.g. a signed identity QR; default: the card's own QR

    @cached_property
    def pki(self):
        return build_test_pki()

    @cached_property
    def trust_store(self) -> TrustStore:
        return TrustStore([self.pki.csca_certificate])

    @cached_property
    def _chip_files(self):
        from hardware.smartcard.simulator.lds_factory import build_lds

        return build_lds(self.patient, self.pki, None)

    def open_camera(self) -> SimulatedCamera:
        camera = SimulatedCamera(payloads=(self.qr_payload or self.patient.qr_text(),), seed=7)
        camera.open()
        return camera

    def open_card_transport(self) -> SimulatedTransport:
        return SimulatedTransport(build_chip(self.patient, self.pki, aa=None, files=self._chip_files))
