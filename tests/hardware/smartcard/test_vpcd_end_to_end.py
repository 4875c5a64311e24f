"""The real pyscard transport, through pcscd and the vpcd virtual reader, against the simulated chip."""

import pytest

from hardware.smartcard import list_readers, open_transport, read_card
from hardware.smartcard.errors import CardRemoved
from hardware.smartcard.passive_auth import CheckStatus
from hardware.smartcard.simulator import ChipFaults, build_chip


def test_full_read_through_pcsc(vpcd_card, citizen, trust_store):
    reader, _ = vpcd_card
    assert reader in list_readers()
    with open_transport("pcsc:Virtual PCD 00 00") as transport:
        result = read_card(transport, citizen.access_key(), trust_store)
    assert result.passive_auth.passed
    assert result.active_auth.passed
    assert result.mrz.personal_id == citizen.personal_id
    assert result.personal_data.full_name == "Nguyễn Văn An"
    assert result.face_image.to_pil().size == (300, 400)
    assert all(check.status is CheckStatus.PASSED for check in result.passive_auth.checks)


def test_card_removed_mid_read_through_pcsc(vpcd_card, citizen, pki, trust_store):
    _, server = vpcd_card
    server.insert_card(build_chip(citizen, pki, faults=ChipFaults(remove_after_apdus=6)))
    try:
        with open_transport("pcsc:Virtual PCD 00 00") as transport:
            with pytest.raises(CardRemoved):
                read_card(transport, citizen.access_key(), trust_store)
    finally:
        server.insert_card()
