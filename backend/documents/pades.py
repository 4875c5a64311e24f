"""PAdES signatures on issued PDFs (pyHanko): a document-signing certificate under a CA, an RFC 3161 timestamp,
and validation that says who signed and that not one byte changed since.

Production configures the certificate, key, CA chain and a TSA URL (DOCUMENT_SIGNING_CERT / _KEY / _CHAIN,
DOCUMENT_TSA_URL). Without them the app creates a *test* CA, a signing certificate and a timestamping
certificate in the instance folder on first start (instance/document-signing/), and timestamps in process
with pyHanko's local TSA (DummyTimeStamper): a real RFC 3161 token, from a TSA nobody outside trusts."""

from __future__ import annotations

import io
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask, current_app
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

log = logging.getLogger(__name__)

_EXTENSION = "congdan.pades"
_TEST_MATERIAL: dict[str, SigningMaterial] = {}  # TESTING apps share one throwaway CA per process
_LOCK = threading.Lock()
FIELD_NAME = "ChuKySo"  # "digital signature"
SIGNATURE_BYTES_RESERVED = 16_384  # CMS with a 3-certificate chain and a timestamp token: ~5 KB; room for RSA-4096


class PadesConfigError(RuntimeError):
    """The configured signing certificate, key or chain is unusable: refuse to sign rather than guess."""


@dataclass(frozen=True)
class SigningMaterial:
    signer_cert: asn1_x509.Certificate
    signer_key: asn1_keys.PrivateKeyInfo
    ca_certs: tuple[asn1_x509.Certificate, ...]
    tsa_cert: asn1_x509.Certificate | None = None
    tsa_key: asn1_keys.PrivateKeyInfo | None = None
    tsa_url: str | None = None

    @property
    def signer_name(self) -> str:
        return self.signer_cert.subject.native.get("common_name", "")


@dataclass(frozen=True)
class PadesVerdict:
    """What a PDF validator says about the document signature."""

    present: bool
    intact: bool = False  # the signed bytes hash to what was signed
    trusted: bool = False  # the signer chains to our CA
    whole_file: bool = False  # nothing was appended after signing
    timestamped: bool = False
    signer: str = ""

    @property
    def ok(self) -> bool:
        return self.present and self.intact and self.trusted and self.whole_file


def material(app: Flask | None = None) -> SigningMaterial:
    app = app or current_app
    loaded = app.extensions.get(_EXTENSION)
    if loaded is None:
        loaded = app.extensions[_EXTENSION] = _load(app)
    return loaded


def sign_pdf(pdf: bytes, *, reason: str, location: str, signing: SigningMaterial | None = None) -> bytes:
    signing = signing or material()
    signer = signers.SimpleSigner(
        signing_cert=signing.signer_cert,
        signing_key=signing.signer_key,
        cert_registry=SimpleCertificateStore.from_certs(list(signing.ca_certs)),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        name=signing.signer_name,
    )
    # A fixed reservation spares pyHanko a dry-run signature (and a second timestamp request) to size it.
    output = signers.PdfSigner(metadata, signer=signer, timestamper=_timestamper(signing)).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=SIGNATURE_BYTES_RESERVED
    )
    return output.getvalue()


def validate(pdf: bytes, *, signing: SigningMaterial | None = None) -> PadesVerdict:
    """Validate the first signature against our CA, as any PAdES validator would."""
    signing = signing or material()
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception:
        log.info("PDF could not be parsed for signatures")
        return PadesVerdict(present=False)
    if not signatures:
        return PadesVerdict(present=False)
    context = ValidationContext(trust_roots=list(signing.ca_certs), allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[0], signer_validation_context=context, ts_validation_context=context)
    except (SigningError, ValueError, KeyError) as exc:
        log.info("PDF signature could not be validated: %s", exc)
        return PadesVerdict(present=True)
    return PadesVerdict(
        present=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        timestamped=status.timestamp_validity is not None and bool(status.timestamp_validity.intact),
        signer=status.signing_cert.subject.native.get("common_name", ""),
    )


def _timestamper(signing: SigningMaterial) -> timestamps.TimeStamper:
    if signing.tsa_url:
        return timestamps.HTTPTimeStamper(signing.tsa_url)
    return DummyTimeStamper(
        tsa_cert=signing.tsa_cert,
        tsa_key=signing.tsa_key,
        certs_to_embed=SimpleCertificateStore.from_certs(list(signing.ca_certs)),
    )


def _load(app: Flask) -> SigningMaterial:
    if app.config.get("DOCUMENT_SIGNING_CERT"):
        return _configured(app)
    if app.config.get("TESTING") and not app.config.get("DOCUMENT_SIGNING_DIR"):
        with _LOCK:
            if "test" not in _TEST_MATERIAL:
                _TEST_MATERIAL["test"] = _from_pem(_create_test_ca(), tsa_url=None)
            return _TEST_MATERIAL["test"]
    folder = Path(app.config.get("DOCUMENT_SIGNING_DIR") or Path(app.instance_path) / "document-signing")
    return ensure_test_ca(folder)


def ensure_test_ca(folder: Path) -> SigningMaterial:
    """Load the test CA from `folder`, creating it on first start (files written 0600, never overwritten)."""
    with _LOCK:
        if not (folder / "signer.pem").exists():
            files = _create_test_ca()
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in files.items():
                try:
                    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    continue  # another worker won the race: its files are used below
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
            log.warning("created a TEST document-signing CA in %s (configure a real one in production)", folder)
        return _from_pem({name: (folder / name).read_bytes() for name in _FILES}, tsa_url=None)


def _configured(app: Flask) -> SigningMaterial:
    try:
        files = {
            "signer.pem": Path(app.config["DOCUMENT_SIGNING_CERT"]).read_bytes(),
            "signer.key": Path(app.config["DOCUMENT_SIGNING_KEY"]).read_bytes(),
            "ca.pem": Path(app.config["DOCUMENT_SIGNING_CHAIN"]).read_bytes(),
        }
    except (KeyError, OSError) as exc:
        raise PadesConfigError(f"document signing is misconfigured: {exc}") from None
    tsa_url = app.config.get("DOCUMENT_TSA_URL")
    if not tsa_url:
        raise PadesConfigError("a configured signing certificate needs DOCUMENT_TSA_URL for its timestamps")
    return _from_pem(files, tsa_url=tsa_url)


_FILES = ("ca.pem", "signer.pem", "signer.key", "tsa.pem", "tsa.key")


def _from_pem(files: dict[str, bytes], *, tsa_url: str | None) -> SigningMaterial:
    def cert(name: str) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(
            x509.load_pem_x509_certificate(files[name]).public_bytes(serialization.Encoding.DER)
        )

    def key(name: str) -> asn1_keys.PrivateKeyInfo:
        private = serialization.load_pem_private_key(files[name], password=None)
        return asn1_keys.PrivateKeyInfo.load(
            private.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )

    try:
        chain = tuple(
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in x509.load_pem_x509_certificates(files["ca.pem"])
        )
        has_tsa = "tsa.pem" in files
        return SigningMaterial(
            signer_cert=cert("signer.pem"),
            signer_key=key("signer.key"),
            ca_certs=chain,
            tsa_cert=cert("tsa.pem") if has_tsa else None,
            tsa_key=key("tsa.key") if has_tsa else None,
            tsa_url=tsa_url,
        )
    except (ValueError, TypeError) as exc:
        raise PadesConfigError(f"document signing material is unusable: {exc}") from None


def _create_test_ca() -> dict[str, bytes]:
    # The wall clock, not the service clock: pyHanko checks certificate validity against the real time.
    now = datetime.now(UTC) - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Congdan TEST Document CA - not for real use")
    ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, now, timedelta(days=3650), ca=True)
    signer_key = ec.generate_private_key(ec.SECP256R1())
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's local TSA is RSA-only
    signer = _certificate(
        _name("Congdan document signing (TEST)"),
        ca_name,
        signer_key.public_key(),
        ca_key,
        now,
        timedelta(days=1825),
        usage=None,
    )
    tsa = _certificate(
        _name("Congdan timestamping (TEST)"),
        ca_name,
        tsa_key.public_key(),
        ca_key,
        now,
        timedelta(days=1825),
        usage=ExtendedKeyUsageOID.TIME_STAMPING,
    )

    def pem_key(private) -> bytes:
        return private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def pem(certificate) -> bytes:
        return certificate.public_bytes(serialization.Encoding.PEM)

    return {
        "ca.pem": pem(ca),
        "ca.key": pem_key(ca_key),
        "signer.pem": pem(signer),
        "signer.key": pem_key(signer_key),
        "tsa.pem": pem(tsa),
        "tsa.key": pem_key(tsa_key),
    }


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Congdan (TEST)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(subject, issuer, public_key, issuer_key, start, lifetime, *, ca=False, usage=None):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + lifetime)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=usage is None,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        if usage is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())
