"""Passive authentication (ICAO 9303-11 5.1): the data groups' hashes against EF.SOD, the SOD signature
against the Document Signer certificate, and that certificate against a CSCA trust store.
Each check is reported; none is skipped without saying so."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from hardware.smartcard import crypto
from hardware.smartcard.errors import (
    AuthenticationError,
    HashMismatch,
    InvalidSignature,
    TrustStoreError,
    UntrustedSigner,
)
from hardware.smartcard.lds.sod import LDS_SECURITY_OBJECT_OID, SecurityObject

log = logging.getLogger(__name__)

_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


class CheckStatus(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # could not be performed (e.g. no trust store): not a pass


@dataclass(frozen=True)
class Check:
    name: str
    status: CheckStatus
    detail: str = ""
    error: AuthenticationError | None = None


@dataclass
class PassiveAuthResult:
    checks: list[Check] = field(default_factory=list)
    document_signer: x509.Certificate | None = None
    csca: x509.Certificate | None = None

    @property
    def passed(self) -> bool:
        """Every check was performed and passed (a skipped chain check is not a pass)."""
        return bool(self.checks) and all(c.status is CheckStatus.PASSED for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status is CheckStatus.FAILED]

    @property
    def skipped(self) -> list[Check]:
        return [c for c in self.checks if c.status is CheckStatus.SKIPPED]

    @property
    def data_group_hashes(self) -> dict[int, bool]:
        return {
            int(c.name[2:].split("_")[0]): c.status is CheckStatus.PASSED
            for c in self.checks
            if c.name.startswith("dg") and c.name.endswith("_hash")
        }

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def raise_for_failure(self) -> None:
        """Raise the error of the first failed check."""
        for check in self.failed:
            raise check.error  # type: ignore[misc]

    def _add(self, name: str, ok: bool, detail: str, error_type: type[AuthenticationError]) -> bool:
        status = CheckStatus.PASSED if ok else CheckStatus.FAILED
        self.checks.append(Check(name, status, detail, None if ok else error_type(detail)))
        if not ok:
            log.warning("passive authentication: %s failed: %s", name, detail)
        return ok


class TrustStore:
    """CSCA certificates (and link certificates) trusted as anchors for Document Signers.

    Every card of an issuer carries the same few Document Signer certificates, so the store remembers which
    of them chained to which of its CSCAs (`signer_cache_size` of them, least recently used dropped): that
    check is the same for every card they signed. Kept per store (a reloaded store starts empty), keyed by the
    certificate's exact DER bytes (any other certificate, however alike, is checked in full), only after it
    passed, and used only while that CSCA is still in the store. What depends on the card or the date is
    checked every time: the SOD signature, the data group hashes, and that the certificate is not from the
    future (`_check_chain`)."""

    def __init__(self, certificates: list[x509.Certificate], *, signer_cache_size: int = 256) -> None:
        self.certificates = list(certificates)
        self._signer_cache_size = signer_cache_size
        self._chained: OrderedDict[bytes, x509.Certificate] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_directory(cls, path: str | Path) -> TrustStore:
        folder = Path(path)
        if not folder.is_dir():
            raise TrustStoreError(f"CSCA trust store folder {folder} does not exist")
        certificates = []
        for file in sorted(folder.iterdir()):
            if file.suffix.lower() not in _CERT_SUFFIXES:
                continue
            certificates.extend(_load_certificates(file))
        if not certificates:
            raise TrustStoreError(f"no CSCA certificate (.pem, .crt, .cer, .der) in {folder}")
        log.info("trust store: %d CSCA certificates from %s", len(certificates), folder)
        return cls(certificates)

    def issuers_of(self, certificate: x509.Certificate) -> list[x509.Certificate]:
        return [ca for ca in self.certificates if ca.subject == certificate.issuer]

    def chained_issuer(self, signer: x509.Certificate) -> tuple[x509.Certificate | None, str]:
        """The CSCA of this store that issued `signer` and was valid when it did, or None and why not.
        Independent of the date: whether the signer is valid yet is for the caller to judge."""
        der = signer.public_bytes(serialization.Encoding.DER)
        with self._lock:
            csca = self._chained.get(der)
            if csca is not None:
                self._chained.move_to_end(der)
        if csca is not None and any(ca is csca for ca in self.certificates):
            return csca, ""
        csca, why = _issuer(signer, self.issuers_of(signer))
        if csca is not None and self._signer_cache_size > 0:
            with self._lock:
                self._chained[der] = csca
                while len(self._chained) > self._signer_cache_size:
                    self._chained.popitem(last=False)
        return csca, why

    def cached_signers(self) -> int:
        with self._lock:
            return len(self._chained)


def _load_certificates(file: Path) -> list[x509.Certificate]:
    raw = file.read_bytes()
    try:
        if b"-----BEGIN CERTIFICATE-----" in raw:
            return x509.load_pem_x509_certificates(raw)
        return [x509.load_der_x509_certificate(raw)]
    except ValueError as exc:
        raise TrustStoreError(f"{file.name} is not a certificate: {exc}") from exc


def passive_authenticate(
    sod: SecurityObject,
    data_groups: dict[int, bytes],
    trust_store: TrustStore | None,
    *,
    now: dt.datetime | None = None,
    content_type: str = LDS_SECURITY_OBJECT_OID,
) -> PassiveAuthResult:
    """``content_type``: what the SignedData must encapsulate (EF.CardSecurity: id-SecurityObject)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    result = PassiveAuthResult()
    for number, raw in sorted(data_groups.items()):
        signed = sod.data_group_hashes.get(number)
        if signed is None:
            result._add(f"dg{number}_hash", False, f"DG{number} is not listed in EF.SOD", HashMismatch)
        else:
            ok = crypto.constant_time_equal(sod.digest(raw), signed)
            result._add(
                f"dg{number}_hash",
                ok,
                f"DG{number} hash {'matches' if ok else 'differs from'} EF.SOD",
                HashMismatch,
            )
    content_ok = sod.content_type == content_type and sod.signed_content_type in (None, content_type)
    result._add(
        "sod_content_type",
        content_ok,
        "EF.SOD encapsulates an LDSSecurityObject"
        if content_ok
        else f"EF.SOD content type {sod.content_type} is not {content_type}",
        InvalidSignature,
    )
    if sod.signed_attributes is not None:
        digest_ok = sod.signed_message_digest is not None and crypto.constant_time_equal(
            _digest(sod.digest_algorithm, sod.encapsulated_content), sod.signed_message_digest
        )
        result._add(
            "sod_message_digest",
            digest_ok,
            "signed message digest " + ("matches" if digest_ok else "does not match") + " the LDSSecurityObject",
            InvalidSignature,
        )
    signer = sod.document_signer
    result.document_signer = signer
    if signer is None:
        result._add("sod_signature", False, "EF.SOD carries no Document Signer certificate", InvalidSignature)
        result._add("signer_trusted", False, "no Document Signer certificate to check", UntrustedSigner)
        return result
    signature_ok, why = _verify_signature(sod, signer)
    result._add("sod_signature", signature_ok, why, InvalidSignature)
    if trust_store is None:
        result.checks.append(Check("signer_trusted", CheckStatus.SKIPPED, "no CSCA trust store configured"))
        log.warning("passive authentication: no CSCA trust store, the Document Signer is not checked")
        return result
    _check_chain(result, signer, trust_store, now)
    return result


def _digest(name: str, data: bytes) -> bytes:
    return hashlib.new(name, data).digest()


def _verify_signature(sod: SecurityObject, signer: x509.Certificate) -> tuple[bool, str]:
    message = sod.signed_attributes if sod.signed_attributes is not None else sod.encapsulated_content
    chosen = getattr(hashes, sod.digest_algorithm.upper())()
    key = signer.public_key()
    try:
        if sod.signature_algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sod.signature, message, ec.ECDSA(chosen))
        elif sod.signature_algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(sod.signature, message, padding.PKCS1v15(), chosen)
        elif sod.signature_algorithm == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            pss_hash = getattr(hashes, str(sod.pss_parameters["hash"]).upper())()
            key.verify(
                sod.signature,
                message,
                padding.PSS(padding.MGF1(pss_hash), int(sod.pss_parameters["salt_length"])),
                pss_hash,
            )
        else:
            return False, f"signature algorithm {sod.signature_algorithm} does not fit the signer's key"
    except CryptoInvalidSignature:
        return False, "EF.SOD signature does not verify with the Document Signer key"
    except (ValueError, TypeError) as exc:
        return False, f"EF.SOD signature cannot be checked: {exc}"
    return True, "EF.SOD signature verifies with the Document Signer key"


def _check_chain(
    result: PassiveAuthResult, signer: x509.Certificate, trust_store: TrustStore, now: dt.datetime
) -> None:
    """Chain model: the CSCA must have been valid when the Document Signer certificate was issued, and the
    DS certificate must not be from the future. An expired DS certificate is normal for a valid card."""
    csca, why = trust_store.chained_issuer(signer)
    if csca is None:
        result._add("signer_trusted", False, why, UntrustedSigner)
        return
    if signer.not_valid_before_utc > now:
        result._add("signer_trusted", False, "the Document Signer certificate is not valid yet", UntrustedSigner)
        return
    result.csca = csca
    result._add(
        "signer_trusted",
        True,
        f"Document Signer chains to {csca.subject.rfc4514_string()}",
        UntrustedSigner,
    )


def _issuer(signer: x509.Certificate, candidates: list[x509.Certificate]) -> tuple[x509.Certificate | None, str]:
    """The candidate CSCA whose signature on `signer` verifies, if it was valid when it issued `signer`."""
    if not candidates:
        return None, f"no CSCA in the trust store issued {signer.issuer.rfc4514_string()}"
    issued = signer.not_valid_before_utc
    for csca in candidates:
        try:
            signer.verify_directly_issued_by(csca)
        except (CryptoInvalidSignature, ValueError, TypeError):
            continue
        if not csca.not_valid_before_utc <= issued <= csca.not_valid_after_utc:
            return None, "the CSCA was not valid when the Document Signer was issued"
        return csca, ""
    return None, "the Document Signer's signature does not verify with any CSCA"
