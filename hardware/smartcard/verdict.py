"""The one trust verdict of a chip read: VERIFIED (passive authentication to a trusted CSCA and the chip
proved genuine), DATA AUTHENTIC, CHIP NOT PROVEN (passive authentication passed and the signed files declare
no anti-cloning mechanism) or NOT VERIFIED with a machine-readable code. The kiosk and the backend record
it as the trust level of the identification."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hardware.smartcard import errors


class TrustLevel(enum.Enum):
    VERIFIED = "verified"
    DATA_AUTHENTIC_CHIP_NOT_PROVEN = "data_authentic_chip_not_proven"
    NOT_VERIFIED = "not_verified"

    @property
    def label(self) -> str:
        return {
            TrustLevel.VERIFIED: "VERIFIED",
            TrustLevel.DATA_AUTHENTIC_CHIP_NOT_PROVEN: "DATA AUTHENTIC, CHIP NOT PROVEN",
            TrustLevel.NOT_VERIFIED: "NOT VERIFIED",
        }[self]


#: Alias: the brief's name for the enum.
Verdict = TrustLevel


class VerdictCode(str, enum.Enum):
    """Why the verdict is what it is. Stable strings: they are stored with check-ins."""

    CHIP_PROVEN = "chip_proven"
    NO_ANTI_CLONING = "no_anti_cloning"
    HASH_MISMATCH = "hash_mismatch"
    INVALID_SIGNATURE = "invalid_signature"
    UNTRUSTED_SIGNER = "untrusted_signer"
    SIGNER_NOT_CHECKED = "signer_not_checked"
    DATA_GROUP_MISSING = "data_group_missing"
    CHIP_AUTHENTICATION_FAILED = "chip_authentication_failed"
    CHIP_AUTHENTICATION_REFUSED = "chip_authentication_refused"
    CHIP_AUTHENTICATION_NOT_POSSIBLE = "chip_authentication_not_possible"
    ACTIVE_AUTHENTICATION_FAILED = "active_authentication_failed"
    ACTIVE_AUTHENTICATION_NOT_PERFORMED = "active_authentication_not_performed"
    DOCUMENT_EXPIRED = "document_expired"
    ACCESS_DENIED = "access_denied"
    READ_FAILED = "read_failed"


@dataclass(frozen=True)
class ChipVerdict:
    level: TrustLevel
    code: VerdictCode
    reason: str
    #: What was noticed but does not change the level (e.g. a data group in EF.COM that EF.SOD does not sign).
    notes: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return self.level is TrustLevel.VERIFIED

    @property
    def label(self) -> str:
        return self.level.label

    def line(self) -> str:
        """The last line ``read-card`` prints."""
        return f"Verdict: {self.label}" + ("" if self.verified else f" [{self.code.value}]") + f" — {self.reason}"

    def as_dict(self) -> dict:
        return {"level": self.level.value, "code": self.code.value, "reason": self.reason, "notes": list(self.notes)}


def not_verified(code: VerdictCode, reason: str, notes: tuple[str, ...] = ()) -> ChipVerdict:
    return ChipVerdict(TrustLevel.NOT_VERIFIED, code, reason, notes)


_ERROR_CODES: tuple[tuple[type[errors.SmartcardError], VerdictCode], ...] = (
    (errors.HashMismatch, VerdictCode.HASH_MISMATCH),
    (errors.InvalidSignature, VerdictCode.INVALID_SIGNATURE),
    (errors.UntrustedSigner, VerdictCode.UNTRUSTED_SIGNER),
    (errors.DataGroupMissing, VerdictCode.DATA_GROUP_MISSING),
    (errors.ChipAuthenticationFailed, VerdictCode.CHIP_AUTHENTICATION_FAILED),
    (errors.ActiveAuthenticationFailed, VerdictCode.ACTIVE_AUTHENTICATION_FAILED),
    (errors.ChipNotProven, VerdictCode.ACTIVE_AUTHENTICATION_NOT_PERFORMED),
    (errors.DocumentExpired, VerdictCode.DOCUMENT_EXPIRED),
    (errors.AccessDenied, VerdictCode.ACCESS_DENIED),
)


def from_error(exc: BaseException) -> ChipVerdict:
    """The verdict of a read that ended with an error (nothing was verified)."""
    for error_type, code in _ERROR_CODES:
        if isinstance(exc, error_type):
            return not_verified(code, str(exc))
    return not_verified(VerdictCode.READ_FAILED, f"the chip could not be read: {exc}")


def error_for(verdict: ChipVerdict) -> errors.SmartcardError | None:
    """The typed error a strict caller raises for this verdict (None when there is nothing to raise)."""
    if verdict.level is not TrustLevel.NOT_VERIFIED or verdict.code is VerdictCode.SIGNER_NOT_CHECKED:
        return None
    for error_type, code in _ERROR_CODES:
        if code is verdict.code:
            return error_type(verdict.reason)
    if verdict.code in (VerdictCode.CHIP_AUTHENTICATION_REFUSED, VerdictCode.CHIP_AUTHENTICATION_NOT_POSSIBLE):
        return errors.ChipAuthenticationFailed(verdict.reason)
    return errors.AuthenticationError(verdict.reason)


@dataclass(frozen=True)
class AntiCloning:
    """What the signed files require and what the read achieved (inputs of ``decide``)."""

    ca_declared: bool
    ca_status: str  # chip_auth.CaStatus value
    ca_detail: str
    aa_required: bool
    aa_status: str  # active_auth.AaStatus value
    aa_detail: str


def decide(
    *,
    passive_auth_failed: list,
    passive_auth_skipped: list,
    missing: dict[int, str],
    anti_cloning: AntiCloning,
    expired: bool,
    notes: tuple[str, ...] = (),
) -> ChipVerdict:
    """Failures of the data first (they make everything else moot), then of the chip, then expiry."""
    if passive_auth_failed:
        check = passive_auth_failed[0]
        base = from_error(check.error) if check.error else not_verified(VerdictCode.HASH_MISMATCH, check.detail)
        return not_verified(base.code, f"passive authentication failed: {base.reason}", notes)
    if missing:
        listed = ", ".join(f"DG{n} ({why})" for n, why in sorted(missing.items()))
        return not_verified(
            VerdictCode.DATA_GROUP_MISSING, f"EF.SOD lists data groups the chip did not give: {listed}", notes
        )
    if passive_auth_skipped:
        return not_verified(
            VerdictCode.SIGNER_NOT_CHECKED,
            "the document signer was not checked against a trusted CSCA (no trust store)",
            notes,
        )
    ac = anti_cloning
    if ac.ca_declared and ac.ca_status != "passed":
        code = {
            "refused": VerdictCode.CHIP_AUTHENTICATION_REFUSED,
            "not possible": VerdictCode.CHIP_AUTHENTICATION_NOT_POSSIBLE,
        }.get(ac.ca_status, VerdictCode.CHIP_AUTHENTICATION_FAILED)
        return not_verified(code, f"chip authentication {ac.ca_status}: {ac.ca_detail}", notes)
    if ac.aa_required and ac.aa_status != "passed":
        code = (
            VerdictCode.ACTIVE_AUTHENTICATION_FAILED
            if ac.aa_status == "failed"
            else VerdictCode.ACTIVE_AUTHENTICATION_NOT_PERFORMED
        )
        return not_verified(code, f"active authentication {ac.aa_status}: {ac.aa_detail}", notes)
    if expired:
        return not_verified(VerdictCode.DOCUMENT_EXPIRED, "the document has expired", notes)
    proofs = [name for name, done in (("chip", ac.ca_declared), ("active", ac.aa_required)) if done]
    if not proofs:
        return ChipVerdict(
            TrustLevel.DATA_AUTHENTIC_CHIP_NOT_PROVEN,
            VerdictCode.NO_ANTI_CLONING,
            "passive authentication passed; the signed files declare no chip or active authentication",
            notes,
        )
    return ChipVerdict(
        TrustLevel.VERIFIED,
        VerdictCode.CHIP_PROVEN,
        "passive authentication to a trusted CSCA; the chip proved genuine by "
        + " and ".join(f"{p} authentication" for p in proofs),
        notes,
    )
