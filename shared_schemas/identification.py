"""Evidence of identity a client sends for the server to verify itself: what a phone or kiosk read from a chip
ID card (EF.SOD, data groups, the Active Authentication answer to a challenge the server issued), the
challenges, and the trust levels the server records. Used by the API and by the kiosk's client."""

from __future__ import annotations

import base64
import binascii

import marshmallow as ma
from marshmallow import fields, validate

from shared_schemas.base import BaseSchema

#: Trust levels of an identification, strongest first (README "Trust levels of identification").
CHIP_VERIFIED = "chip_verified"  # passive authentication to a trusted CSCA + AA on the server's challenge
CHIP_DATA_AUTHENTIC = "chip_data_authentic"  # passive authentication passed; the chip not proven genuine
APP_QR_VERIFIED = "app_qr_verified"  # the app's signed QR: signature, freshness and single use checked
APP_QR_OFFLINE = "app_qr_offline"  # signature and single use checked; freshness only as the kiosk reports
CARD_DATA_PRESENTED = "card_data_presented"  # the card's printed QR: data, nothing signed
DETAILS_TYPED = "details_typed"  # ID number + date of birth typed in (children only)
TRUST_LEVELS = (CHIP_VERIFIED, CHIP_DATA_AUTHENTIC, APP_QR_VERIFIED, APP_QR_OFFLINE, CARD_DATA_PRESENTED, DETAILS_TYPED)
#: The kiosk's own chip verdict (hardware reader, issue 13), recorded as its claim, never as proof.
#: The values of hardware.smartcard.verdict.TrustLevel.
KIOSK_VERDICTS = ("verified", "data_authentic_chip_not_proven", "not_verified")

CHALLENGE_PURPOSES = ("hospital-checkin", "registration", "account-recovery")

#: Caps on what a client may submit (bytes, decoded). A CCCD's EF.SOD with its Document Signer certificate
#: is 2-3 KB; DG13 under 1 KB; DG14 and DG15 a few hundred bytes. DG2 (the face) is never needed here.
MAX_FILE_BYTES = {"sod": 16_384, "dg1": 256, "dg13": 4_096, "dg14": 4_096, "dg15": 2_048}
MAX_SIGNATURE_BYTES = 1_024


class Base64Bytes(fields.String):
    """Standard base64 text decoded to bytes, refused above `max_bytes` before decoding."""

    def __init__(self, *, max_bytes: int, **kwargs):
        self.max_bytes = max_bytes
        kwargs.setdefault("metadata", {}).setdefault("description", f"base64, at most {max_bytes} bytes")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else base64.b64encode(value).decode("ascii")

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > (self.max_bytes + 2) // 3 * 4:
            raise ma.ValidationError(f"At most {self.max_bytes} bytes.")
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ma.ValidationError("Not valid base64.") from None
        if not raw:
            raise ma.ValidationError("Empty.")
        return raw


class ChipEvidenceSchema(BaseSchema):
    """What was read from the chip, as read: the server parses and verifies every byte itself."""

    sod = Base64Bytes(required=True, max_bytes=MAX_FILE_BYTES["sod"])
    dg1 = Base64Bytes(required=True, max_bytes=MAX_FILE_BYTES["dg1"])
    dg13 = Base64Bytes(required=True, max_bytes=MAX_FILE_BYTES["dg13"])
    dg14 = Base64Bytes(load_default=None, max_bytes=MAX_FILE_BYTES["dg14"])
    dg15 = Base64Bytes(load_default=None, max_bytes=MAX_FILE_BYTES["dg15"])
    challenge_id = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[0-9a-f]{32}$"),
        metadata={"description": "The challenge the server issued (online reads)"},
    )
    aa_signature = Base64Bytes(
        load_default=None,
        max_bytes=MAX_SIGNATURE_BYTES,
        metadata={"description": "The chip's INTERNAL AUTHENTICATE answer to the challenge"},
    )
    kiosk_verdict = fields.String(
        load_default=None,
        validate=validate.OneOf(KIOSK_VERDICTS),
        metadata={"description": "The reader's own verdict (recorded as a claim)"},
    )

    @ma.validates_schema
    def _signature_needs_challenge(self, data, **_kwargs):
        if data.get("aa_signature") is not None and not data.get("challenge_id"):
            raise ma.ValidationError({"challenge_id": ["An AA signature answers a challenge the server issued."]})


class ChipChallengeSchema(BaseSchema):
    challenge_id = fields.String()
    challenge = Base64Bytes(max_bytes=64, metadata={"description": "8 random bytes for INTERNAL AUTHENTICATE"})
    purpose = fields.String()
    expires_at = fields.DateTime()
