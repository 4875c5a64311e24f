"""EF.SOD: the Document Security Object, a CMS SignedData over the LDSSecurityObject (the hashes of the
data groups), with the Document Signer certificate embedded. Parsing is eager, so malformed input fails
here with MalformedData and never later in passive authentication."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import (
    algos,
    cms,
    core,
    tsp,  # noqa: F401 - registers its CMS attribute names before any of cms's are looked up
)
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from hardware.smartcard import tlv
from hardware.smartcard.errors import MalformedData, UnexpectedTag
from hardware.smartcard.lds import EF_SOD

# Why tsp above: asn1crypto builds an OID name table's reverse map once, at the first look-up by name, and names
# registered after that (asn1crypto.tsp adds `signing_certificate_v2`, which pyHanko signs PDFs with) are never
# found again. A process that builds a SOD by name first (the card simulator, a test run) and signs a PDF later
# then failed with "invalid literal for int()".

#: id-icao-mrtd-security-ldsSecurityObject
LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"


class DataGroupHash(core.Sequence):
    _fields = [("data_group_number", core.Integer), ("data_group_hash_value", core.OctetString)]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]


class LdsSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class SecurityObject:
    hash_algorithm: str  # hashlib name: sha1, sha256, ...
    data_group_hashes: dict[int, bytes]
    encapsulated_content: bytes
    content_type: str
    signed_attributes: bytes | None  # DER of the SET, as signed
    signed_message_digest: bytes | None
    signed_content_type: str | None
    digest_algorithm: str
    signature_algorithm: str  # asn1crypto name: rsassa_pkcs1v15, rsassa_pss, ecdsa
    signature: bytes
    pss_parameters: dict | None
    signer_certificates: tuple[x509.Certificate, ...]
    signer_issuer: bytes | None  # DER Name and serial of the signer (sid)
    signer_serial: int | None
    ski: bytes | None

    def digest(self, data: bytes) -> bytes:
        return hashlib.new(self.hash_algorithm, data).digest()

    @property
    def document_signer(self) -> x509.Certificate | None:
        """The certificate named by the SignerInfo's sid, among the embedded ones."""
        for cert in self.signer_certificates:
            if (
                self.signer_serial is not None
                and cert.serial_number == self.signer_serial
                and cert.issuer.public_bytes() == self.signer_issuer
            ):
                return cert
            if self.ski is not None:
                try:
                    ext = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
                except x509.ExtensionNotFound:
                    continue
                if ext.value.digest == self.ski:
                    return cert
        return None


def _hash_name(algorithm: algos.DigestAlgorithm) -> str:
    name = algorithm["algorithm"].native
    if name not in ("sha1", "sha224", "sha256", "sha384", "sha512"):
        raise MalformedData(f"hash algorithm {name} is not supported")
    return name


def parse(raw: bytes) -> SecurityObject:
    root = tlv.parse_single(raw, EF_SOD.tag)
    return parse_signed(root.value)


def parse_signed(der: bytes, *, lds: bool = True, what: str = "EF.SOD") -> SecurityObject:
    """A CMS ContentInfo / SignedData. ``lds``: the content is an LDSSecurityObject (EF.SOD); otherwise it
    is kept as is in ``encapsulated_content`` (EF.CardSecurity's SecurityInfos) with no data group hashes."""
    try:
        return _parse_content_info(der, lds)
    except (MalformedData, UnexpectedTag):
        raise
    except Exception as exc:
        raise MalformedData(f"{what} is not a valid CMS SignedData: {exc}") from exc


def _parse_content_info(der: bytes, lds: bool = True) -> SecurityObject:
    info = cms.ContentInfo.load(der, strict=False)
    if info["content_type"].native != "signed_data":
        raise UnexpectedTag(f"EF.SOD content type {info['content_type'].dotted} is not SignedData")
    signed = info["content"]
    encap = signed["encap_content_info"]
    content_type = encap["content_type"].dotted
    content = encap["content"].contents if encap["content"].native is not None else b""
    hash_name, hashes_by_dg = None, {}
    if lds:
        lso = LdsSecurityObject.load(content)
        hash_name = _hash_name(lso["hash_algorithm"])
        hashes_by_dg = {
            int(item["data_group_number"].native): bytes(item["data_group_hash_value"].native)
            for item in lso["data_group_hash_values"]
        }
    signer_infos = signed["signer_infos"]
    if len(signer_infos) != 1:
        raise MalformedData(f"EF.SOD has {len(signer_infos)} signers, expected 1")
    signer = signer_infos[0]
    signed_attrs = signer["signed_attrs"]
    attrs_der, message_digest, signed_type = None, None, None
    if signed_attrs.native is not None and len(signed_attrs):
        attrs_der = b"\x31" + signed_attrs.dump()[1:]
        for attr in signed_attrs:
            kind = attr["type"].native
            if kind == "message_digest":
                message_digest = bytes(attr["values"][0].native)
            elif kind == "content_type":
                signed_type = attr["values"][0].dotted
    sid = signer["sid"]
    issuer, serial, ski = None, None, None
    if sid.name == "issuer_and_serial_number":
        issuer = sid.chosen["issuer"].dump()
        serial = int(sid.chosen["serial_number"].native)
    else:
        ski = bytes(sid.chosen.native)
    certificates = []
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            certificates.append(x509.load_der_x509_certificate(choice.chosen.dump()))
    sig_algo = signer["signature_algorithm"]
    sig_name = sig_algo.signature_algo
    pss = None
    if sig_name == "rsassa_pss":
        params = sig_algo["parameters"]
        pss = {
            "hash": params["hash_algorithm"]["algorithm"].native,
            "salt_length": params["salt_length"].native,
        }
    return SecurityObject(
        hash_algorithm=hash_name or _hash_name(signer["digest_algorithm"]),
        data_group_hashes=hashes_by_dg,
        encapsulated_content=content,
        content_type=content_type,
        signed_attributes=attrs_der,
        signed_message_digest=message_digest,
        signed_content_type=signed_type,
        digest_algorithm=_hash_name(signer["digest_algorithm"]),
        signature_algorithm=sig_name,
        signature=bytes(signer["signature"].native),
        pss_parameters=pss,
        signer_certificates=tuple(certificates),
        signer_issuer=issuer,
        signer_serial=serial,
        ski=ski,
    )


def encode(
    data_groups: dict[int, bytes],
    signer_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    signer_certificate: x509.Certificate,
    hash_name: str = "sha256",
) -> bytes:
    """Sign the data groups' hashes as a Document Signer would (for the simulator and tests)."""
    lso = LdsSecurityObject(
        {
            "version": 0,
            "hash_algorithm": {"algorithm": hash_name},
            "data_group_hash_values": [
                {"data_group_number": number, "data_group_hash_value": hashlib.new(hash_name, raw).digest()}
                for number, raw in sorted(data_groups.items())
            ],
        }
    ).dump()
    return tlv.encode(EF_SOD.tag, sign_content(lso, LDS_SECURITY_OBJECT_OID, signer_key, signer_certificate, hash_name))


def sign_content(
    content: bytes,
    content_type: str,
    signer_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    signer_certificate: x509.Certificate,
    hash_name: str = "sha256",
) -> bytes:
    """A DER ContentInfo / SignedData over ``content`` as a Document Signer makes it (for the simulator)."""
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [content_type]},
            {"type": "message_digest", "values": [hashlib.new(hash_name, content).digest()]},
        ]
    )
    chosen_hash = getattr(hashes, hash_name.upper())()
    if isinstance(signer_key, ec.EllipticCurvePrivateKey):
        signature = signer_key.sign(attrs.dump(), ec.ECDSA(chosen_hash))
        signature_algorithm = f"{hash_name}_ecdsa"
    else:
        signature = signer_key.sign(attrs.dump(), padding.PKCS1v15(), chosen_hash)
        signature_algorithm = f"{hash_name}_rsa"
    cert = asn1_x509.Certificate.load(signer_certificate.public_bytes(serialization.Encoding.DER))
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": hash_name}],
            "encap_content_info": {"content_type": content_type, "content": content},
            "certificates": [cert],
            "signer_infos": [
                {
                    "version": "v1",
                    "sid": cms.SignerIdentifier(
                        {
                            "issuer_and_serial_number": {
                                "issuer": cert.issuer,
                                "serial_number": cert.serial_number,
                            }
                        }
                    ),
                    "digest_algorithm": {"algorithm": hash_name},
                    "signed_attrs": attrs,
                    "signature_algorithm": {"algorithm": signature_algorithm},
                    "signature": signature,
                }
            ],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
