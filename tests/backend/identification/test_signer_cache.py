"""The trust store remembers the Document Signers that chained to one of its CSCAs (the same for every card they
signed), and nothing else: a card's own signature and hashes, a look-alike or forged signer, a CSCA taken out of
the store and a signer not valid yet on the date of the check are judged afresh every time."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from backend.identification.chip_evidence import ChipEvidenceRefused, verify_chip_evidence
from hardware.smartcard.lds import dg1, dg13, sod
from hardware.smartcard.passive_auth import TrustStore
from tests.chip_evidence import ChipCard, card_holder, trusted_pki, untrusted_pki

HOLDER = card_holder("001090012345", "Nguyễn Văn An", dt.date(1990, 1, 1))
GROUPS = {1: dg1.encode(HOLDER.mrz()), 13: dg13.encode(HOLDER.personal_data())}


def _store(**options) -> TrustStore:
    return TrustStore([trusted_pki().csca_certificate], **options)


def _files(sod_bytes: bytes, groups=GROUPS) -> dict:
    return {"sod": sod_bytes} | {f"dg{n}": raw for n, raw in groups.items()}


def _card_files(card: ChipCard) -> dict:
    return _files(card.sod, card.groups)


def _verify(files: dict, store: TrustStore, now: dt.datetime | None = None):
    return verify_chip_evidence(files, store, challenge=None, aa_signature=None, now=now)


def _refusal(files: dict, store: TrustStore, now: dt.datetime | None = None) -> str:
    with pytest.raises(ChipEvidenceRefused) as refused:
        _verify(files, store, now)
    return refused.value.reason


def _signer(issuer_key, *, like: x509.Certificate | None = None, issuer_name: x509.Name | None = None):
    """A Document Signer key and certificate issued with `issuer_key`; `like`: copying that certificate's
    names, serial number and validity (a forger's look-alike)."""
    key = ec.generate_private_key(ec.SECP256R1())
    template = like or trusted_pki().ds_certificate
    certificate = (
        x509.CertificateBuilder()
        .subject_name(template.subject if like else x509.Name.from_rfc4514_string("CN=Document Signer Test 02,C=VN"))
        .issuer_name(issuer_name or template.issuer)
        .public_key(key.public_key())
        .serial_number(template.serial_number if like else x509.random_serial_number())
        .not_valid_before(template.not_valid_before_utc)
        .not_valid_after(template.not_valid_after_utc)
        .sign(issuer_key, hashes.SHA256())
    )
    return key, certificate


def test_a_signer_is_checked_against_the_cscas_once_and_then_remembered():
    store = _store()
    assert _verify(_card_files(ChipCard(HOLDER)), store).trust_level == "chip_data_authentic"
    assert _verify(_card_files(ChipCard(HOLDER)), store).trust_level == "chip_data_authentic"
    assert store.cached_signers() == 1


def test_a_remembered_signer_does_not_vouch_for_a_sod_it_did_not_sign():
    store = _store()
    _verify(_card_files(ChipCard(HOLDER)), store)
    # The trusted DS certificate embedded, but the SOD signed with another key: the card's own signature fails.
    forged = sod.encode(GROUPS, ec.generate_private_key(ec.SECP256R1()), trusted_pki().ds_certificate)
    assert _refusal(_files(forged), store) == "invalid-signature"


def test_a_remembered_signer_does_not_vouch_for_a_tampered_data_group():
    store = _store()
    _verify(_card_files(ChipCard(HOLDER)), store)
    assert _refusal(_card_files(ChipCard(HOLDER, tamper_data_group=13)), store) == "hash-mismatch"


def test_a_look_alike_of_a_remembered_signer_from_a_forged_csca_is_refused():
    store = _store()
    _verify(_card_files(ChipCard(HOLDER)), store)
    # Same subject, issuer name, serial number and validity as the trusted Document Signer, issued by a forger's
    # CSCA of the same name: only its bytes tell it apart.
    key, look_alike = _signer(untrusted_pki().csca_key, like=trusted_pki().ds_certificate)
    assert _refusal(_files(sod.encode(GROUPS, key, look_alike)), store) == "untrusted-signer"
    assert _refusal(_card_files(ChipCard(HOLDER, pki=untrusted_pki())), store) == "untrusted-signer"
    assert store.cached_signers() == 1


def test_a_remembered_signer_whose_csca_left_the_store_is_refused():
    store = _store()
    files = _card_files(ChipCard(HOLDER))
    _verify(files, store)
    store.certificates = [untrusted_pki().csca_certificate]  # the trusted CSCA withdrawn, a namesake remains
    assert _refusal(files, store) == "untrusted-signer"
    assert _refusal(files, TrustStore([untrusted_pki().csca_certificate])) == "untrusted-signer"


def test_a_remembered_signer_is_refused_on_a_date_before_it_was_valid():
    store = _store()
    files = _card_files(ChipCard(HOLDER))
    _verify(files, store)
    before = trusted_pki().ds_certificate.not_valid_before_utc - dt.timedelta(days=1)
    with pytest.raises(ChipEvidenceRefused) as refused:
        _verify(files, store, now=before)
    assert refused.value.reason == "untrusted-signer" and "not valid yet" in refused.value.detail
    assert _verify(files, store).trust_level == "chip_data_authentic"


def test_a_refused_signer_is_not_remembered():
    store = _store()
    files = _card_files(ChipCard(HOLDER, pki=untrusted_pki()))
    assert _refusal(files, store) == "untrusted-signer"
    assert _refusal(files, store) == "untrusted-signer"
    assert store.cached_signers() == 0


def test_the_store_remembers_a_bounded_number_of_signers():
    store = _store(signer_cache_size=2)
    signers = [_signer(trusted_pki().csca_key) for _ in range(3)]
    for _ in range(2):
        for key, certificate in signers:
            verdict = _verify(_files(sod.encode(GROUPS, key, certificate)), store)
            assert verdict.trust_level == "chip_data_authentic"
    assert store.cached_signers() == 2
