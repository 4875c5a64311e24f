"""PACE with Chip Authentication Mapping (ICAO 9303-11 4.4.3.3.3 and 4.4.3.5): generic mapping, and in its
last answer the chip sends A_IC = E(KSenc, CA_IC) with CA_IC = SK_Map,IC * SK_IC^-1 mod n. The terminal
decrypts it and checks PK_Map,IC = CA_IC * PK_IC, where PK_IC is the static key of the signed EF.CardSecurity:
only a chip holding SK_IC can answer. Both sides (the chip's for the simulator)."""

from __future__ import annotations

import logging

from hardware.smartcard import chip_auth, crypto
from hardware.smartcard.chip_auth import ID_PK_ECDH
from hardware.smartcard.ec import Curve
from hardware.smartcard.errors import MalformedData, SecureMessagingError
from hardware.smartcard.key_agreement import EcdhAgreement, parse_public_key_info
from hardware.smartcard.lds import card_security
from hardware.smartcard.lds.security_infos import SecurityInfo
from hardware.smartcard.pace import PaceOutcome
from hardware.smartcard.passive_auth import passive_authenticate
from hardware.smartcard.sm import AesCipher

log = logging.getLogger(__name__)


def _iv(cipher: AesCipher) -> bytes:
    # 4.4.3.5.1: the IV is E(KSenc, -1), i.e. the send sequence counter all ones.
    return crypto.aes_ecb_block(cipher.ks_enc, b"\xff" * cipher.block_size)


def encrypt_chip_auth_data(cipher: AesCipher, curve: Curve, map_private: int, static_private: int) -> bytes:
    chip_auth_data = map_private * pow(static_private, -1, curve.n) % curve.n
    padded = crypto.pad(chip_auth_data.to_bytes(curve.size, "big"), cipher.block_size)
    return crypto.aes_encrypt(cipher.ks_enc, padded, _iv(cipher))


def decrypt_chip_auth_data(cipher: AesCipher, encrypted: bytes) -> int:
    if not encrypted or len(encrypted) % cipher.block_size:
        raise MalformedData("encrypted chip authentication data is not a whole number of blocks")
    try:
        plain = crypto.unpad(crypto.aes_decrypt(cipher.ks_enc, encrypted, _iv(cipher)))
    except SecureMessagingError as exc:
        raise MalformedData(f"chip authentication data: {exc}") from exc
    return int.from_bytes(plain, "big")


def static_key(security_infos: list[SecurityInfo], curve: Curve) -> tuple[int, int]:
    """PK_IC: the ChipAuthenticationPublicKeyInfo of EF.CardSecurity on the curve PACE ran on."""
    for info in security_infos:
        if info.protocol != ID_PK_ECDH or info.required is None or info.required.tag != 0x30:
            continue
        try:
            key = parse_public_key_info(info.required.encode())
        except MalformedData:
            continue
        if isinstance(key.agreement, EcdhAgreement) and key.agreement.curve == curve:
            return curve.decode_point(key.public)
    raise MalformedData(f"EF.CardSecurity holds no chip authentication key on {curve.name}")


def verify(outcome: PaceOutcome, cipher: AesCipher, static_public: tuple[int, int]) -> bool:
    """PK_Map,IC == CA_IC * PK_IC (4.4.3.5.2)."""
    if outcome.encrypted_chip_auth_data is None:
        return False
    curve = outcome.info.curve
    chip_auth_data = decrypt_chip_auth_data(cipher, outcome.encrypted_chip_auth_data)
    if not 0 < chip_auth_data < curve.n:
        return False
    return curve.multiply(chip_auth_data, static_public) == outcome.chip_map_public


def verify_read(outcome, cipher, raw_card_security: bytes, trust_store) -> chip_auth.ChipAuthResult:
    """PACE-CAM counts only with a static key from an EF.CardSecurity the Document Signer signed."""
    name = outcome.info.protocol.name

    def failed(detail: str) -> chip_auth.ChipAuthResult:
        log.warning("PACE-CAM: %s", detail)
        return chip_auth.ChipAuthResult(chip_auth.CaStatus.FAILED, detail, name)

    try:
        parsed = card_security.parse(raw_card_security)
    except MalformedData as exc:
        return failed(f"EF.CardSecurity cannot be read: {exc}")
    checked = passive_authenticate(parsed.signed, {}, trust_store, content_type=card_security.ID_SECURITY_OBJECT)
    if checked.failed:
        return failed(f"EF.CardSecurity is not authentic: {checked.failed[0].detail}")
    try:
        genuine = verify(outcome, cipher, static_key(parsed.security_infos, outcome.info.curve))
    except MalformedData as exc:
        return failed(str(exc))
    if not genuine:
        return failed("the chip's PACE-CAM data does not match the key of EF.CardSecurity: it lacks its private key")
    return chip_auth.ChipAuthResult(
        chip_auth.CaStatus.PASSED, "PACE-CAM proved the key of the signed EF.CardSecurity", name
    )
