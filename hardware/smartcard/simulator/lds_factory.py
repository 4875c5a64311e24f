"""Builds what a real CCCD holds, for tests, the bench and the demo: a citizen's LDS files (DG1 MRZ,
DG2 face JPEG of about 15 KB, DG13 in Vietnamese, DG14, DG15 active-authentication key, EF.COM,
EF.SOD) signed by a test CSCA -> Document Signer chain made on the spot."""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
from dataclasses import dataclass, replace

from asn1crypto.core import ObjectIdentifier
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hardware.qr.cccd import CccdQrRecord, format_cccd_qr
from hardware.smartcard import chip_auth, key_agreement, tlv
from hardware.smartcard import pace as pace_module
from hardware.smartcard.chip_auth import ChipCa
from hardware.smartcard.ec import STANDARD_CURVES
from hardware.smartcard.lds import DATA_GROUPS, EF_COM, EF_SOD, card_security, com, dg1, dg2, dg13, dg14, dg15, sod
from hardware.smartcard.lds.security_infos import ID_AA
from hardware.smartcard.mrz import DEFAULT_NO_EXPIRY, AccessKey, build_td1, card_expiry
from hardware.smartcard.simulator.chip import ChipFaults, SimulatedChip
from shared_schemas.personal_id import sex_from_vietnamese

_ECDSA_PLAIN_SHA256 = "0.4.0.127.0.7.1.1.4.1.3"


@dataclass(frozen=True)
class DemoCitizen:
    """A made-up card holder (công dân mẫu)."""

    personal_id: str = "001090123456"
    old_id_number: str | None = "012345678"
    surname: str = "NGUYEN"
    given_names: str = "VAN AN"
    full_name: str = "Nguyễn Văn An"
    birth_date: dt.date = dt.date(1990, 1, 1)
    sex: str = "Nam"
    issue_date: dt.date = dt.date(2021, 4, 15)
    place_of_origin: str = "Xã Đông Hội, Huyện Đông Anh, Hà Nội"
    place_of_residence: str = "Số 1 Phố Huế, Phường Hàng Bài, Quận Hoàn Kiếm, Hà Nội"
    identifying_characteristics: str = "Nốt ruồi C:2cm trên sau đầu lông mày trái"
    ethnicity: str = "Kinh"
    religion: str = "Không"
    father_name: str = "Nguyễn Văn Bình"
    mother_name: str = "Trần Thị Cúc"
    spouse_name: str | None = None

    @property
    def expiry_date(self) -> dt.date | None:
        return card_expiry(self.birth_date, self.issue_date)

    @property
    def mrz_expiry(self) -> str:
        return self.expiry_date.strftime("%y%m%d") if self.expiry_date else DEFAULT_NO_EXPIRY

    @property
    def document_number(self) -> str:
        return self.personal_id[3:12]

    def access_key(self, *, twelve_digits: bool = False) -> AccessKey:
        number = self.personal_id if twelve_digits else self.document_number
        return AccessKey(number, self.birth_date.strftime("%y%m%d"), self.mrz_expiry)

    def mrz(self) -> str:
        return build_td1(
            personal_id=self.personal_id,
            birth_date=self.birth_date.strftime("%y%m%d"),
            sex="M" if self.sex == "Nam" else "F",
            expiry_date=self.mrz_expiry,
            surname=self.surname,
            given_names=self.given_names,
        )

    def qr_record(self) -> CccdQrRecord:
        return CccdQrRecord(
            id_number=self.personal_id,
            old_id_number=self.old_id_number,
            full_name=self.full_name,
            date_of_birth=self.birth_date,
            sex=sex_from_vietnamese(self.sex),
            address=self.place_of_residence,
            issue_date=self.issue_date,
        )

    def qr_text(self) -> str:
        return format_cccd_qr(self.qr_record())

    def personal_data(self) -> dg13.Dg13PersonalData:
        expiry = self.expiry_date.strftime("%d/%m/%Y") if self.expiry_date else "Không thời hạn"
        return dg13.Dg13PersonalData(
            personal_id=self.personal_id,
            full_name=self.full_name,
            birth_date=self.birth_date.strftime("%d/%m/%Y"),
            sex=self.sex,
            nationality="Việt Nam",
            ethnicity=self.ethnicity,
            religion=self.religion,
            place_of_origin=self.place_of_origin,
            place_of_residence=self.place_of_residence,
            identifying_characteristics=self.identifying_characteristics,
            issue_date=self.issue_date.strftime("%d/%m/%Y"),
            expiry_date=expiry,
            father_name=self.father_name,
            mother_name=self.mother_name,
            spouse_name=self.spouse_name,
            old_id_number=self.old_id_number,
            field_16_raw=b"0123456789ABCDEF",
        )


@dataclass(frozen=True)
class TestPki:
    csca_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    csca_certificate: x509.Certificate
    ds_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    ds_certificate: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Congdan Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key(algorithm: str):
    if algorithm == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key algorithm {algorithm}")


def build_test_pki(
    algorithm: str = "ec", *, now: dt.datetime | None = None, csca_name: str = "CSCA Test Vietnam"
) -> TestPki:
    """A CSCA (self-signed, CA) and a Document Signer it issued, valid around ``now``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    csca_key, ds_key = _new_key(algorithm), _new_key(algorithm)
    csca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(csca_name))
        .issuer_name(_name(csca_name))
        .public_key(csca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=365))
        .not_valid_after(now + dt.timedelta(days=15 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(csca_key.public_key()), critical=False)
        .sign(csca_key, hashes.SHA256())
    )
    ds_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Document Signer Test 01"))
        .issuer_name(_name(csca_name))
        .public_key(ds_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=10 * 365))
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .sign(csca_key, hashes.SHA256())
    )
    return TestPki(csca_key, csca_cert, ds_key, ds_cert)


@functools.lru_cache(maxsize=8)
def face_jpeg(target_bytes: int = 15_000, *, seed: int = 6) -> tuple[bytes, int, int]:
    """A synthetic portrait JPEG near ``target_bytes`` (ICAO-style 3:4 frame), deterministic per seed."""
    import numpy as np
    from PIL import Image, ImageDraw

    width, height = 300, 400
    rng = np.random.default_rng(seed)
    background = np.linspace(200, 235, height, dtype=np.float32)[:, None, None] * np.ones((1, width, 3))
    noise = rng.normal(0, 9, (height, width, 3))
    image = Image.fromarray(np.clip(background + noise, 0, 255).astype("uint8"))
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 330, 230, 470), fill=(40, 60, 110))  # shoulders
    draw.ellipse((95, 90, 205, 240), fill=(224, 182, 150))  # face
    draw.pieslice((90, 70, 210, 190), 180, 360, fill=(30, 25, 20))  # hair
    for x in (125, 165):
        draw.ellipse((x, 145, x + 14, 155), fill=(40, 30, 30))
    draw.arc((125, 185, 175, 215), 20, 160, fill=(150, 60, 60), width=3)
    best = b""
    for quality in range(95, 5, -2):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        best = out.getvalue()
        if len(best) <= target_bytes:
            break
    return best, width, height


def _dg14(include_aa: bool, ca_infos: bytes = b"") -> bytes:
    infos = ca_infos
    if include_aa:
        from asn1crypto.core import ObjectIdentifier

        infos += tlv.encode(
            0x30,
            ObjectIdentifier(ID_AA).dump() + tlv.encode(0x02, b"\x01") + ObjectIdentifier(_ECDSA_PLAIN_SHA256).dump(),
        )
    return dg14.encode(tlv.encode(0x31, infos))


def build_lds(
    citizen: DemoCitizen,
    pki: TestPki,
    aa_public_key=None,
    *,
    face: tuple[bytes, int, int] | None = None,
    tamper_data_group: int | None = None,
    retag_data_group: int | None = None,
    hash_name: str = "sha256",
    ca_infos: bytes = b"",
    com_omit: tuple[int, ...] = (),
) -> dict:
    """The application's files keyed by LdsFile. ``tamper_data_group`` changes one byte of that group after
    signing (passive authentication must catch it); ``retag_data_group`` gives it an unknown outer tag.
    ``ca_infos``: DG14's chip authentication SecurityInfos (chip_auth.encode_dg14_infos); ``com_omit``:
    data groups EF.COM leaves out (a clone hiding DG15)."""
    image, width, height = face or face_jpeg()
    groups = {
        1: dg1.encode(citizen.mrz()),
        2: dg2.encode(image, width, height),
        3: tlv.encode(DATA_GROUPS[3].tag, b"\x7f\x61\x03\x02\x01\x00"),
        13: dg13.encode(citizen.personal_data()),
        14: _dg14(isinstance(aa_public_key, ec.EllipticCurvePublicKey), ca_infos),
    }
    if aa_public_key is not None:
        groups[15] = dg15.encode(aa_public_key)
    security_object = sod.encode(groups, pki.ds_key, pki.ds_certificate, hash_name)
    if tamper_data_group is not None:
        data = bytearray(groups[tamper_data_group])
        data[-1] ^= 0x01
        groups[tamper_data_group] = bytes(data)
    if retag_data_group is not None:
        groups[retag_data_group] = b"\x5a" + groups[retag_data_group][1:]
    files = {EF_COM: com.encode(sorted(set(groups) - set(com_omit))), EF_SOD: security_object}
    files.update({DATA_GROUPS[n]: data for n, data in groups.items()})
    return files


def build_chip(
    citizen: DemoCitizen | None = None,
    pki: TestPki | None = None,
    *,
    aa: str | None = "ec",
    bac_twelve_digits: bool = False,
    pace: int | pace_module.PaceInfo | None = None,
    faults: ChipFaults | None = None,
    files: dict | None = None,
    ca: str | None = None,
    ca_cipher: str = "AES-128",
    cam: bool = False,
    clone: str | None = None,
    **chip_options,
) -> SimulatedChip:
    """A ready chip for ``citizen`` (default: the demo citizen) signed by ``pki`` (default: a fresh one).
    ``aa``: "ec", "rsa" or None (no DG15). ``bac_twelve_digits``: the chip's BAC key uses the 12-digit ID.
    ``pace``: offer PACE (id-PACE-ECDH-GM-AES-CBC-CMAC-128) on these standardized domain parameters
    (12 = NIST P-256, 13 = brainpoolP256r1), or exactly this PaceInfo; ``bac_enabled=False`` enforces it.
    ``ca``: chip authentication key in DG14 ("ecdh", "ecdh-brainpool", "ecdh-explicit", "dh") run with
    ``ca_cipher`` ("3DES", "AES-128", "AES-192", "AES-256"). ``clone``: one of CLONE_VARIANTS, a copy of a
    genuine card's signed files on a chip that lacks its keys. ``cam``: with ``pace``, offer PACE-CAM (AES-128)
    with a static key in a signed EF.CardSecurity, declared in DG14 too."""
    citizen = citizen or DemoCitizen()
    pki = pki or build_test_pki()
    if clone is not None:
        if clone not in CLONE_VARIANTS:
            raise ValueError(f"unknown clone variant {clone!r}: one of {CLONE_VARIANTS}")
        if clone.startswith("ca_") and ca is None:
            ca = "ecdh"
        if clone == "cam_key_mismatch":
            pace, cam = (pace if isinstance(pace, int) else 13), True
    aa_key = _new_key(aa) if aa else None
    chip_ca, ca_infos = (None, b"")
    if ca is not None:
        chip_ca, ca_infos = chip_ca_key(ca, ca_cipher)
    cam_private = None
    if cam:
        if not isinstance(pace, int):
            raise ValueError("cam=True needs pace=<standardized domain parameter id>")
        pace, cam_private, card_security_file = _pace_cam(pace, pki)
        ca_infos += pace.encode()  # DG14 declares PACE-CAM (ICAO 9303-11 9.2.6), so that it is signed
        chip_options.setdefault("card_security", card_security_file)
    if files is None:
        files = build_lds(
            citizen,
            pki,
            aa_key.public_key() if aa_key else None,
            ca_infos=ca_infos,
            com_omit=(15,) if clone == "dg15_hidden" else (),
        )
    if isinstance(pace, int):
        pace = pace_module.PaceInfo(pace_module.PROTOCOLS[pace_module.ID_PACE_ECDH_GM_AES_CBC_CMAC_128], pace)
    if pace is not None:
        chip_options.setdefault("pace_infos", [pace])
    if clone in ("no_aa_key", "dg15_hidden"):
        aa_key = None
    elif clone == "wrong_aa_key":
        aa_key = _new_key(aa or "ec")
    elif clone == "ca_refused":
        chip_ca = None
    elif clone == "ca_key_mismatch":
        chip_ca, _ = chip_ca_key(ca or "ecdh", ca_cipher)
    elif clone == "cam_key_mismatch":
        cam_private = int.from_bytes(os.urandom(16), "big") + 1
    return SimulatedChip(
        files,
        citizen.access_key(twelve_digits=bac_twelve_digits),
        aa_private_key=aa_key,
        faults=faults,
        chip_authentication=chip_ca,
        cam_private=cam_private,
        **chip_options,
    )


def _pace_cam(parameter_id: int, pki: TestPki) -> tuple[pace_module.PaceInfo, int, bytes]:
    """The PACE-CAM offer, the chip's static key and EF.CardSecurity announcing its public half."""
    info = pace_module.PaceInfo(pace_module.PROTOCOLS[pace_module.ID_PACE_ECDH_CAM + ".2"], parameter_id)
    agreement = key_agreement.EcdhAgreement(info.curve)
    private, public = agreement.generate(os.urandom)
    key_info = tlv.encode(
        0x30,
        ObjectIdentifier(chip_auth.ID_PK_ECDH).dump()
        + key_agreement.encode_public_key_info(agreement, public)
        + tlv.encode(0x02, bytes([parameter_id])),
    )
    return info, private, card_security.encode(info.encode() + key_info, pki.ds_key, pki.ds_certificate)


#: How a clone that copied a genuine card's files misbehaves: no AA private key; another AA key; no AA key
#: and DG15 left out of EF.COM; DG14 declares CA but the chip refuses it; a CA key other than DG14's; a
#: PACE-CAM key other than EF.CardSecurity's (with ``pace`` and ``cam``).
CLONE_VARIANTS = ("no_aa_key", "wrong_aa_key", "dg15_hidden", "ca_refused", "ca_key_mismatch", "cam_key_mismatch")

_CA_AGREEMENTS = {
    "ecdh": lambda: key_agreement.EcdhAgreement(STANDARD_CURVES[12]),
    "ecdh-explicit": lambda: key_agreement.EcdhAgreement(STANDARD_CURVES[12]),
    "ecdh-brainpool": lambda: key_agreement.EcdhAgreement(STANDARD_CURVES[13]),
    "dh": lambda: key_agreement.DhAgreement(key_agreement.RFC5114_2048_224),
}


def chip_ca_key(kind: str, cipher: str = "AES-128", *, key_id: int | None = None) -> tuple[ChipCa, bytes]:
    """A fresh chip authentication key: the chip's side and DG14's SecurityInfos announcing it."""
    if kind not in _CA_AGREEMENTS:
        raise ValueError(f"unknown chip authentication key {kind!r}: one of {sorted(_CA_AGREEMENTS)}")
    agreement = _CA_AGREEMENTS[kind]()
    base = chip_auth.ID_CA_DH if agreement.kind == "DH" else chip_auth.ID_CA_ECDH
    suffix = {"3DES": 1, "AES-128": 2, "AES-192": 3, "AES-256": 4}[cipher]
    protocol = chip_auth.PROTOCOLS[f"{base}.{suffix}"]
    private, public = agreement.generate(os.urandom)
    infos = chip_auth.encode_dg14_infos(
        agreement, public, protocol, key_id=key_id, explicit_curve=kind == "ecdh-explicit"
    )
    return ChipCa(agreement, private, protocol, key_id), infos


__all__ = [
    "CLONE_VARIANTS",
    "DemoCitizen",
    "TestPki",
    "build_chip",
    "build_lds",
    "build_test_pki",
    "chip_ca_key",
    "face_jpeg",
    "replace",
]
