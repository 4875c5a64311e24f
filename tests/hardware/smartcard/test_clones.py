"""Issue 13: a cloned chip (a copy of a genuine card's signed files on a chip without its keys) must never
read as verified. EF.SOD decides which data groups must be there; the anti-cloning mechanisms the signed
files declare must succeed; one verdict. Each clone in-process and through pcscd + vpcd."""

from __future__ import annotations

import pytest

from hardware.smartcard import active_auth, open_transport, read_card
from hardware.smartcard.errors import (
    ActiveAuthenticationFailed,
    ChipAuthenticationFailed,
    DataGroupMissing,
    HashMismatch,
)
from hardware.smartcard.lds import DATA_GROUPS, EF_COM, com, dg15
from hardware.smartcard.simulator import CLONE_VARIANTS, build_chip
from hardware.smartcard.simulator.lds_factory import build_lds
from hardware.smartcard.transport import SimulatedTransport
from hardware.smartcard.verdict import TrustLevel, VerdictCode

#: What each clone is refused with: the verdict code, and the error a strict read raises.
EXPECTED = {
    "no_aa_key": (VerdictCode.ACTIVE_AUTHENTICATION_FAILED, ActiveAuthenticationFailed),
    "wrong_aa_key": (VerdictCode.ACTIVE_AUTHENTICATION_FAILED, ActiveAuthenticationFailed),
    "dg15_hidden": (VerdictCode.ACTIVE_AUTHENTICATION_FAILED, ActiveAuthenticationFailed),
    "ca_refused": (VerdictCode.CHIP_AUTHENTICATION_REFUSED, ChipAuthenticationFailed),
    "ca_key_mismatch": (VerdictCode.CHIP_AUTHENTICATION_FAILED, ChipAuthenticationFailed),
    "cam_key_mismatch": (VerdictCode.CHIP_AUTHENTICATION_FAILED, ChipAuthenticationFailed),
}


def _verdict(transport, key, trust_store):
    try:
        return read_card(transport, key, trust_store, strict=False).verdict
    except ChipAuthenticationFailed as exc:  # the clone cannot even finish the read
        from hardware.smartcard.result import verdict_of

        return verdict_of(exc)


def test_every_variant_is_covered():
    assert set(EXPECTED) == set(CLONE_VARIANTS)


@pytest.mark.parametrize("variant", CLONE_VARIANTS)
def test_clone_in_process_is_not_verified(variant, citizen, pki, trust_store):
    chip = build_chip(citizen, pki, clone=variant)
    verdict = _verdict(SimulatedTransport(chip), citizen.access_key(), trust_store)
    code, error = EXPECTED[variant]
    assert verdict.level is TrustLevel.NOT_VERIFIED and verdict.code is code, verdict
    with pytest.raises(error):
        read_card(SimulatedTransport(build_chip(citizen, pki, clone=variant)), citizen.access_key(), trust_store)


def test_the_issue_s_clone_dg15_hidden_from_ef_com_is_still_read(citizen, pki, trust_store):
    """The hole of issue 13: DG15 left out of EF.COM, no AA key. EF.SOD lists DG15, so it is read and AA
    is required; the gap between EF.COM and EF.SOD is noted."""
    result = read_card(
        SimulatedTransport(build_chip(citizen, pki, clone="dg15_hidden")),
        citizen.access_key(),
        trust_store,
        strict=False,
    )
    assert 15 not in result.com.data_groups and "DG15" in result.raw_files
    assert result.active_auth.status is active_auth.AaStatus.FAILED
    assert any("EF.SOD signs DG15" in note for note in result.verdict.notes)


def test_genuine_card_is_verified_and_exposes_evidence(citizen, pki, trust_store):
    challenge = bytes.fromhex("0123456789ABCDEF")
    result = read_card(
        SimulatedTransport(build_chip(citizen, pki, ca="ecdh")),
        citizen.access_key(),
        trust_store,
        aa_challenge=challenge,
    )
    assert result.verdict.level is TrustLevel.VERIFIED and result.verdict.code is VerdictCode.CHIP_PROVEN
    assert result.active_auth.challenge == challenge
    key = dg15.parse(result.raw_files["DG15"])
    assert active_auth.verify(key, challenge, result.active_auth.signature)
    assert {"COM", "SOD", "DG1", "DG2", "DG13", "DG14", "DG15"} <= set(result.raw)


def test_aa_challenge_must_be_eight_bytes(citizen, pki, trust_store):
    with pytest.raises(ValueError, match="8 bytes"):
        read_card(
            SimulatedTransport(build_chip(citizen, pki)), citizen.access_key(), trust_store, aa_challenge=b"short"
        )


def test_no_anti_cloning_declared_is_data_authentic_chip_not_proven(citizen, pki, trust_store):
    result = read_card(SimulatedTransport(build_chip(citizen, pki, aa=None)), citizen.access_key(), trust_store)
    assert result.verdict.level is TrustLevel.DATA_AUTHENTIC_CHIP_NOT_PROVEN
    assert result.verdict.code is VerdictCode.NO_ANTI_CLONING


def test_no_trust_store_is_not_verified(citizen, pki):
    result = read_card(SimulatedTransport(build_chip(citizen, pki, ca="ecdh")), citizen.access_key(), None)
    assert result.verdict.level is TrustLevel.NOT_VERIFIED
    assert result.verdict.code is VerdictCode.SIGNER_NOT_CHECKED


def test_aa_switched_off_when_required_is_not_verified(citizen, pki, trust_store):
    result = read_card(
        SimulatedTransport(build_chip(citizen, pki)),
        citizen.access_key(),
        trust_store,
        strict=False,
        active_authentication=False,
    )
    assert result.verdict.code is VerdictCode.ACTIVE_AUTHENTICATION_NOT_PERFORMED


def test_data_group_signed_but_absent_is_not_verified(citizen, pki, trust_store):
    files = build_lds(citizen, pki)
    del files[DATA_GROUPS[13]]
    chip = build_chip(citizen, pki, aa=None, files=files)
    result = read_card(SimulatedTransport(chip), citizen.access_key(), trust_store, strict=False)
    assert result.verdict.code is VerdictCode.DATA_GROUP_MISSING and 13 in result.missing
    with pytest.raises(DataGroupMissing):
        result.verify()


def test_data_group_in_ef_com_but_not_signed_is_flagged_and_ignored(citizen, pki, trust_store):
    files = build_lds(citizen, pki, aa_public_key=None)
    files[EF_COM] = com.encode([1, 2, 3, 5, 13, 14])  # DG5 is not in EF.SOD (nor on the chip)
    chip = build_chip(citizen, pki, aa=None, files=files)
    result = read_card(SimulatedTransport(chip), citizen.access_key(), trust_store)
    assert any("DG5" in note and "does not sign" in note for note in result.verdict.notes)
    assert "DG5" not in result.raw_files and result.verdict.level is TrustLevel.DATA_AUTHENTIC_CHIP_NOT_PROVEN


def test_altered_dg14_cannot_remove_chip_authentication(citizen, pki, trust_store):
    """A clone that strips CA from DG14 breaks DG14's signed hash: not verified (hash mismatch)."""
    from hardware.smartcard.simulator import chip_ca_key

    _, infos = chip_ca_key("ecdh")
    genuine = build_lds(citizen, pki, ca_infos=infos)
    stripped = build_lds(citizen, pki)
    genuine[DATA_GROUPS[14]] = stripped[DATA_GROUPS[14]]
    chip = build_chip(citizen, pki, aa=None, files=genuine)
    result = read_card(SimulatedTransport(chip), citizen.access_key(), trust_store, strict=False)
    assert result.verdict.code is VerdictCode.HASH_MISMATCH
    with pytest.raises(HashMismatch):
        result.verify()


def test_genuine_pace_cam_card_is_verified_without_a_separate_ca(citizen, pki, trust_store):
    transport = SimulatedTransport(build_chip(citizen, pki, pace=13, cam=True, aa=None))
    result = read_card(transport, citizen.access_key(), trust_store)
    assert result.verdict.level is TrustLevel.VERIFIED and result.chip_auth.protocol.startswith("PACE-ECDH-CAM")
    assert "CardSecurity" in result.raw_files


def test_clone_stripping_cam_from_ef_card_access_is_not_verified(citizen, pki, trust_store):
    """EF.CardAccess is not signed: a clone may offer only PACE-GM. DG14 (signed) still declares CAM."""
    from hardware.smartcard import pace

    gm = pace.PaceInfo(pace.PROTOCOLS[pace.ID_PACE_ECDH_GM_AES_CBC_CMAC_128], 13)
    genuine = build_chip(citizen, pki, pace=13, cam=True, aa=None)
    clone = build_chip(
        citizen, pki, aa=None, files={f: genuine.files[f.fid] for f in _lds_files(genuine)}, pace_infos=[gm]
    )
    result = read_card(SimulatedTransport(clone), citizen.access_key(), trust_store, strict=False)
    assert result.verdict.code is VerdictCode.CHIP_AUTHENTICATION_NOT_POSSIBLE, result.verdict


def test_ef_card_security_not_signed_by_the_document_signer_fails_cam(citizen, pki, trust_store):
    from hardware.smartcard.lds import card_security
    from hardware.smartcard.simulator import build_test_pki

    chip = build_chip(citizen, pki, pace=13, cam=True, aa=None)
    other = build_test_pki()
    parsed = card_security.parse(chip.mf_files[card_security.EF_CARD_SECURITY.fid])
    from hardware.smartcard import tlv

    forged = card_security.encode(
        tlv.parse_single(parsed.signed.encapsulated_content, 0x31).value, other.ds_key, other.ds_certificate
    )
    chip.mf_files[card_security.EF_CARD_SECURITY.fid] = forged
    result = read_card(SimulatedTransport(chip), citizen.access_key(), trust_store, strict=False)
    assert result.verdict.code is VerdictCode.CHIP_AUTHENTICATION_FAILED
    assert "EF.CardSecurity is not authentic" in result.chip_auth.detail


def _lds_files(chip):
    from hardware.smartcard.lds import DATA_GROUPS, EF_COM, EF_SOD

    by_fid = {f.fid: f for f in [EF_COM, EF_SOD, *DATA_GROUPS.values()]}
    return [by_fid[fid] for fid in chip.files]


# -- through pcscd + vpcd -----------------------------------------------------------------------------


def _via_pcsc(server, chip, citizen, trust_store):
    server.insert_card(chip)
    try:
        with open_transport("pcsc:Virtual PCD 00 00") as transport:
            return _verdict(transport, citizen.access_key(), trust_store)
    finally:
        server.insert_card()


def test_genuine_card_through_pcsc_is_verified(vpcd_card, citizen, pki, trust_store):
    _, server = vpcd_card
    verdict = _via_pcsc(server, build_chip(citizen, pki, ca="ecdh", pace=13), citizen, trust_store)
    assert verdict.level is TrustLevel.VERIFIED, verdict


def test_genuine_pace_cam_card_through_pcsc_is_verified(vpcd_card, citizen, pki, trust_store):
    _, server = vpcd_card
    verdict = _via_pcsc(server, build_chip(citizen, pki, pace=12, cam=True, aa=None), citizen, trust_store)
    assert verdict.level is TrustLevel.VERIFIED, verdict


def test_dh_chip_authentication_through_pcsc_with_short_apdus(vpcd_card, citizen, pki, trust_store):
    _, server = vpcd_card
    chip = build_chip(citizen, pki, ca="dh", ca_cipher="AES-128", extended_length=False)
    verdict = _via_pcsc(server, chip, citizen, trust_store)
    assert verdict.level is TrustLevel.VERIFIED, verdict


@pytest.mark.parametrize("variant", CLONE_VARIANTS)
def test_clone_through_pcsc_is_not_verified(vpcd_card, variant, citizen, pki, trust_store):
    _, server = vpcd_card
    verdict = _via_pcsc(server, build_chip(citizen, pki, clone=variant), citizen, trust_store)
    assert verdict.level is TrustLevel.NOT_VERIFIED and verdict.code is EXPECTED[variant][0], verdict


def test_read_card_cli_exit_status_per_clone(citizen):
    import argparse
    import io

    from hardware.smartcard.cli import add_commands

    def run(*argv):
        parser = argparse.ArgumentParser()
        add_commands(parser.add_subparsers())
        out = io.StringIO()
        args = parser.parse_args(["read-card", "--simulator", *argv])
        return args.func(args, out), out.getvalue().strip().splitlines()[-1]

    code, last = run()
    assert code == 0 and last.startswith("Verdict: VERIFIED")
    for variant in CLONE_VARIANTS:
        code, last = run("--clone", variant, "--json")
        assert code != 0 and f'"code": "{EXPECTED[variant][0].value}"' in last, (variant, last)
