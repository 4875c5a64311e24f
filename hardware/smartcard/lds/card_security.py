"""EF.CardSecurity (ICAO 9303-11 9.2.11, in the master file, read after PACE): the chip's SecurityInfos, among
them the static chip authentication key PACE-CAM proves, signed by the Document Signer as a CMS SignedData
of id-SecurityObject. Pure parse / encode."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.smartcard import tlv
from hardware.smartcard.lds import LdsFile, sod
from hardware.smartcard.lds.security_infos import SecurityInfo, parse_security_infos

#: id-SecurityObject (BSI TR-03110 Part 3 A.1.2.5): the content type of EF.CardSecurity's SignedData.
ID_SECURITY_OBJECT = "0.4.0.127.0.7.3.2.1"
EF_CARD_SECURITY = LdsFile("CardSecurity", 0x30, 0x011D, 0x1D)


@dataclass(frozen=True)
class CardSecurity:
    signed: sod.SecurityObject
    security_infos: list[SecurityInfo]


def parse(raw: bytes) -> CardSecurity:
    signed = sod.parse_signed(tlv.parse_single(raw, 0x30).encode(), lds=False, what="EF.CardSecurity")
    return CardSecurity(signed, parse_security_infos(tlv.parse_single(signed.encapsulated_content, 0x31).value))


def encode(security_infos_der: bytes, signer_key, signer_certificate, hash_name: str = "sha256") -> bytes:
    """``security_infos_der``: the content of the SET OF SecurityInfo (for the simulator)."""
    return sod.sign_content(
        tlv.encode(0x31, security_infos_der), ID_SECURITY_OBJECT, signer_key, signer_certificate, hash_name
    )
