"""Server-side verification of a chip read (ICAO 9303-11 passive and active authentication), with the pure
code of hardware/smartcard. EF.SOD decides which data groups exist: every group the verifier needs must be
listed there, present and hash-matching; when the signed files declare Active Authentication (EF.SOD lists
DG15, or DG14 holds ActiveAuthenticationInfo) the chip's signature over the server's challenge must verify.
No Flask here: callers pass the trust store, the challenge and the clock."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

from hardware.smartcard import active_auth
from hardware.smartcard.errors import SmartcardError
from hardware.smartcard.lds import dg1, dg13, dg14, dg15, sod
from hardware.smartcard.lds.security_infos import ID_AA, ID_CA, ID_PK
from hardware.smartcard.passive_auth import TrustStore, passive_authenticate
from shared_schemas.identification import CHIP_DATA_AUTHENTIC, CHIP_VERIFIED

log = logging.getLogger(__name__)

#: What identifying a person needs: the MRZ (DG1) and the Vietnamese personal data (DG13).
NEEDED_GROUPS = frozenset({1, 13})


class ChipEvidenceRefused(Exception):
    """The evidence does not prove what it claims. `reason` is a stable code, `detail` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class ChipIdentity:
    """Who the verified chip says the holder is, and how far the server could verify it."""

    trust_level: str  # chip_verified | chip_data_authentic
    personal_id: str
    full_name: str
    date_of_birth: dt.date
    sex: str | None
    detail: str  # why this level (what was proven, what could not be)
    document_number: str = ""  # as in DG1 (MRZ): with the issue date it names the card in the card register
    issue_date: dt.date | None = None  # DG13 field 11, None when the chip lacks or garbles it

    def __repr__(self) -> str:
        return f"ChipIdentity(trust_level={self.trust_level!r}, <personal data redacted>)"


def verify_chip_evidence(
    files: dict[str, bytes | None],
    trust_store: TrustStore | None,
    *,
    challenge: bytes | None,
    aa_signature: bytes | None,
    now: dt.datetime | None = None,
) -> ChipIdentity:
    """`files`: "sod", "dg1", "dg13" and, when read, "dg14", "dg15" (raw bytes as on the chip).
    `challenge`: the nonce the server issued for this read, or None when there was none (an offline read):
    then the chip cannot be proven genuine to the server and the best verdict is chip_data_authentic."""
    if trust_store is None:
        raise ChipEvidenceRefused(
            "no-trust-store", "The server has no CSCA trust store configured, so it cannot verify chip ID cards."
        )
    security_object = _parse("EF.SOD", sod.parse, files.get("sod"))
    listed = set(security_object.data_group_hashes)
    submitted = {int(name[2:]): raw for name, raw in files.items() if name.startswith("dg") and raw is not None}
    required = set(NEEDED_GROUPS) | ({14, 15} & listed)
    for number in sorted(NEEDED_GROUPS - listed):
        raise ChipEvidenceRefused(
            "group-not-signed", f"EF.SOD does not list DG{number}: the card's personal data is not signed."
        )
    for number in sorted(required - set(submitted)):
        raise ChipEvidenceRefused(
            "group-missing",
            f"EF.SOD lists DG{number} but it was not sent: a read that leaves out a signed data group is refused.",
        )
    for number in sorted(set(submitted) - listed):
        raise ChipEvidenceRefused("group-not-signed", f"DG{number} was sent but EF.SOD does not list it.")
    try:
        result = passive_authenticate(security_object, submitted, trust_store, now=now)
    except Exception as exc:  # a parseable but hostile SOD (odd algorithms, keys) must not become a 500
        log.info("passive authentication could not run: %s", type(exc).__name__)
        raise ChipEvidenceRefused("malformed", "EF.SOD cannot be checked.") from None
    if not result.passed:
        failed = (result.failed or result.skipped)[0]
        reason = (
            "untrusted-signer"
            if failed.name == "signer_trusted"
            else ("hash-mismatch" if failed.name.endswith("_hash") else "invalid-signature")
        )
        raise ChipEvidenceRefused(reason, f"Passive authentication failed: {failed.detail}.")
    mrz = _parse("DG1", dg1.parse, submitted[1])
    personal = _parse("DG13", dg13.parse, submitted[13])
    identity = _identity(mrz, personal)
    security_infos = _parse("DG14", dg14.parse, submitted[14]) if 14 in submitted else []
    return _anti_cloning(identity, listed, submitted, security_infos, challenge, aa_signature)


def _anti_cloning(
    identity: ChipIdentity,
    listed: set[int],
    submitted: dict[int, bytes],
    security_infos,
    challenge: bytes | None,
    aa_signature: bytes | None,
) -> ChipIdentity:
    """What the signed files declare decides what the chip must prove: AA declared -> it must have signed
    the server's challenge; only Chip Authentication, or nothing -> the data is authentic, the chip unproven."""
    protocols = {info.protocol for info in security_infos}
    if 15 in listed or ID_AA in protocols:
        if 15 not in submitted:
            raise ChipEvidenceRefused(
                "group-missing", "DG14 declares Active Authentication but DG15 (its public key) was not sent."
            )
        if challenge is None:
            return _with_level(
                identity,
                CHIP_DATA_AUTHENTIC,
                "passive authentication passed; the read had no server challenge, so the chip is not proven genuine",
            )
        key = _parse("DG15", dg15.parse, submitted[15])
        if not aa_signature or not active_auth.verify(
            key, challenge, aa_signature, active_auth.signature_hash_from_dg14(security_infos)
        ):
            raise ChipEvidenceRefused(
                "active-authentication-failed",
                "The chip did not sign the server's challenge with the key in DG15: "
                "it is not the genuine chip (a copy cannot answer).",
            )
        return _with_level(
            identity,
            CHIP_VERIFIED,
            "passive authentication to a trusted CSCA and active authentication on the server's challenge",
        )
    # Chip Authentication infos name the protocol variant below these arcs (id-CA-ECDH-..., id-PK-ECDH).
    if any(p == arc or p.startswith(arc + ".") for p in protocols for arc in (ID_CA, ID_PK)):
        why = (
            "passive authentication passed; the card offers only Chip Authentication, which the reader "
            "can check but cannot prove to the server afterwards"
        )
    else:
        why = "passive authentication passed; the card declares no anti-cloning mechanism"
    return _with_level(identity, CHIP_DATA_AUTHENTIC, why)


def _parse(what: str, parser, raw: bytes | None):
    if raw is None:
        raise ChipEvidenceRefused("group-missing", f"{what} was not sent.")
    try:
        return parser(raw)
    except SmartcardError as exc:
        raise ChipEvidenceRefused("malformed", f"{what} cannot be parsed: {exc}") from None
    except Exception as exc:  # hostile bytes may trip any layer below (asn1crypto, cryptography): refuse them
        log.info("unparseable %s from a client: %s", what, type(exc).__name__)
        raise ChipEvidenceRefused("malformed", f"{what} cannot be parsed.") from None


def _identity(mrz, personal) -> ChipIdentity:
    personal_id, name = personal.personal_id, personal.full_name
    born = dg13.Dg13PersonalData.parse_date(personal.birth_date) if personal.birth_date else None
    if not personal_id or not name or born is None:
        raise ChipEvidenceRefused("malformed", "DG13 lacks the ID number, the name or the date of birth.")
    if mrz.personal_id not in (None, personal_id) or mrz.birth_date != born.strftime("%y%m%d"):
        raise ChipEvidenceRefused("inconsistent", "DG1 (MRZ) and DG13 name different people.")
    sex = {"nam": "male", "nữ": "female"}.get((personal.sex or "").strip().lower())
    # A garbled issue date only leaves the card unknown to the register; it does not make the read invalid.
    issued = dg13.Dg13PersonalData.parse_date(personal.issue_date)
    return ChipIdentity("", personal_id, name, born, sex, "", mrz.document_number, issued)


def _with_level(identity: ChipIdentity, level: str, detail: str) -> ChipIdentity:
    log.info("chip evidence verified: %s", level)
    return replace(identity, trust_level=level, detail=detail)
