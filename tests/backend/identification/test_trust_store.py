"""Which CSCAs the backend trusts: the configured folder; in development the card simulator's demo CSCA,
shared through a folder with the demo kiosk; in production without a folder, none."""

from __future__ import annotations

import datetime as dt
import stat

from hardware.smartcard.simulator.pki_files import CSCA_CERTIFICATE, load_or_create
from tests.chip_evidence import ChipCard, card_holder

CHECKINS = "/api/v1/health/checkins"


def test_the_simulator_pki_is_made_once_and_shared(tmp_path):
    first, second = load_or_create(tmp_path), load_or_create(tmp_path)
    assert first.csca_certificate == second.csca_certificate
    assert first.ds_certificate.issuer == first.csca_certificate.subject
    for key in (tmp_path / "private").iterdir():
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [CSCA_CERTIFICATE, "private"]


def _chip_checkin(app, pki) -> dict:
    from backend.extensions import db
    from tests.backend.health.hospital_data import add_hospital, add_kiosk
    from tests.backend.helpers import Factory, bearer, login

    with app.app_context():
        factory = Factory(db.session)
        kiosk = add_kiosk(db.session, factory, add_hospital(db.session))
        patient = factory.citizen(date_of_birth=dt.date(1980, 2, 2))
        db.session.commit()
        client = app.test_client()
        card = ChipCard(card_holder(patient.personal_id, patient.full_name, patient.date_of_birth), pki=pki)
        headers = bearer(login(client, kiosk.username)["access_token"])
        return client.post(
            CHECKINS, json={"identification": {"method": "chip", "chip": card.evidence()}}, headers=headers
        ).json


def test_development_trusts_the_shared_simulator_csca(make_app, tmp_path):
    app = make_app(CSCA_STORE_DIR=None, SIMULATOR_PKI_DIR=str(tmp_path), ENV_NAME="development")
    assert _chip_checkin(app, load_or_create(tmp_path))["trust_level"] == "chip_data_authentic"


def test_production_without_a_csca_store_verifies_no_chip(make_app, tmp_path):
    app = make_app(
        CSCA_STORE_DIR=None,
        SIMULATOR_PKI_DIR=str(tmp_path),
        ENV_NAME="production",
        PAYMENT_GATEWAY_SECRET="test-gateway-secret-" + "z" * 32,
        OIDC_PAIRWISE_SECRET="test-pairwise-secret-" + "w" * 32,
    )
    assert _chip_checkin(app, load_or_create(tmp_path))["reason"] == "no-trust-store"
