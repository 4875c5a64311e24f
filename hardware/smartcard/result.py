"""What a chip read yields: the parsed files, every check, the raw evidence (EF.SOD, data groups, the active
authentication challenge and signature) for a verifier elsewhere, and the one trust verdict."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hardware.smartcard import active_auth, chip_auth, verdict
from hardware.smartcard.errors import HashMismatch, MalformedData, SmartcardError
from hardware.smartcard.lds import com, dg1, dg2, dg13, dg14, sod
from hardware.smartcard.lds.security_infos import SecurityInfo
from hardware.smartcard.mrz import Mrz, yymmdd_to_date
from hardware.smartcard.passive_auth import PassiveAuthResult, TrustStore, passive_authenticate


@dataclass(frozen=True)
class ReadStats:
    apdus: int
    bytes_sent: int
    bytes_received: int
    wall_seconds: float
    transport_seconds: float
    cpu_seconds_excluding_transport: float


_NO_CA = chip_auth.ChipAuthResult(chip_auth.CaStatus.NOT_SUPPORTED, "DG14 declares no chip authentication")


@dataclass
class CardReadResult:
    """Everything read from the chip. Personal data lives here: never log it. ``raw_files`` holds the bytes
    as read ("COM", "SOD", "DG1", ...); ``verdict`` is the trust level of this identification."""

    access_control: str
    com: com.EfCom
    mrz: Mrz
    faces: list[dg2.FaceImage]
    personal_data: dg13.Dg13PersonalData | None
    security_infos: list[SecurityInfo] | None
    security_object: sod.SecurityObject
    passive_auth: PassiveAuthResult
    active_auth: active_auth.ActiveAuthResult
    raw_files: dict[str, bytes]
    unavailable: dict[int, str] = field(default_factory=dict)
    document_expired: bool = False
    stats: ReadStats | None = None
    chip_auth: chip_auth.ChipAuthResult = _NO_CA
    #: Data groups EF.SOD lists that the chip did not give (absent or refused): the read is NOT VERIFIED.
    missing: dict[int, str] = field(default_factory=dict)
    verdict: verdict.ChipVerdict | None = None

    @property
    def face_image(self) -> dg2.FaceImage | None:
        return self.faces[0] if self.faces else None

    @property
    def raw(self) -> dict[str, bytes]:
        return self.raw_files

    def verify(self) -> None:
        """Raise the typed error of a NOT VERIFIED verdict (HashMismatch, InvalidSignature, UntrustedSigner,
        DataGroupMissing, ChipAuthenticationFailed, ActiveAuthenticationFailed, ChipNotProven,
        DocumentExpired), the result attached as ``exc.card_read_result``. A skipped chain check (no trust
        store) and DATA AUTHENTIC, CHIP NOT PROVEN are reported in ``verdict`` but not raised."""
        for check in self.passive_auth.failed:
            check.error.card_read_result = self  # type: ignore[union-attr]
            raise check.error  # type: ignore[misc]
        if self.verdict is None:  # a result built by hand, not by a read: judge what it holds
            active_auth.raise_for_failure(self.active_auth)
            return
        error = verdict.error_for(self.verdict)
        if error is not None:
            error.card_read_result = self  # type: ignore[attr-defined]
            raise error

    def __repr__(self) -> str:
        return f"CardReadResult(access_control={self.access_control!r}, <personal data redacted>)"


@dataclass
class ReadEvidence:
    """What the protocol layer collected, before parsing and judging."""

    access_control: str
    ef_com: com.EfCom
    security_object: sod.SecurityObject
    groups: dict[int, bytes]
    raw: dict[str, bytes]
    unavailable: dict[int, str]
    missing: dict[int, str]
    chip_auth: chip_auth.ChipAuthResult
    offer: chip_auth.Dg14Offer
    notes: tuple[str, ...]


def assemble(
    evidence: ReadEvidence,
    trust_store: TrustStore | None,
    active_authentication,
    today: dt.date | None,
) -> CardReadResult:
    """Parse and judge. ``active_authentication``: a callable(dg15 bytes, security infos) -> result, or None
    when the caller switched active authentication off."""
    groups = evidence.groups
    # Hashes first: a data group that fails to parse because it was altered is reported as altered.
    pa = passive_authenticate(evidence.security_object, groups, trust_store)

    def parse(number, parser):
        try:
            return parser(groups[number])
        except MalformedData as exc:
            if pa.data_group_hashes.get(number) is False:
                raise HashMismatch(
                    f"DG{number} was altered: it differs from EF.SOD and cannot be parsed ({exc})"
                ) from exc
            raise

    mrz = parse(1, dg1.parse)
    faces = parse(2, dg2.parse) if 2 in groups else []
    personal = parse(13, dg13.parse) if 13 in groups else None
    infos = parse(14, dg14.parse) if 14 in groups else None
    aa_required = 15 in evidence.security_object.data_group_hashes or evidence.offer.active_authentication_declared
    aa = active_auth.ActiveAuthResult(active_auth.AaStatus.NOT_SUPPORTED, "the chip has no DG15")
    if 15 in groups:
        if active_authentication is None:
            aa = active_auth.ActiveAuthResult(active_auth.AaStatus.NOT_PERFORMED, "switched off by the caller")
        else:
            aa = active_authentication(groups[15], infos)
    elif aa_required:
        aa = active_auth.ActiveAuthResult(
            active_auth.AaStatus.NOT_PERFORMED, "DG14 declares active authentication but the chip gave no DG15"
        )
    expiry = yymmdd_to_date(mrz.expiry_date, future=True)
    expired = expiry is not None and expiry < (today or dt.date.today())
    result = CardReadResult(
        evidence.access_control,
        evidence.ef_com,
        mrz,
        faces,
        personal,
        infos,
        evidence.security_object,
        pa,
        aa,
        evidence.raw,
        evidence.unavailable,
        expired,
        None,
        evidence.chip_auth,
        evidence.missing,
    )
    ca = evidence.chip_auth
    result.verdict = verdict.decide(
        passive_auth_failed=pa.failed,
        passive_auth_skipped=pa.skipped,
        missing=evidence.missing,
        anti_cloning=verdict.AntiCloning(
            evidence.offer.chip_authentication_declared,
            ca.status.value,
            ca.detail,
            aa_required,
            aa.status.value,
            aa.detail,
        ),
        expired=expired,
        notes=evidence.notes,
    )
    return result


def verdict_of(exc: SmartcardError) -> verdict.ChipVerdict:
    """The verdict of a read that raised: from the attached result when there is one."""
    attached = getattr(exc, "card_read_result", None)
    if attached is not None and attached.verdict is not None:
        return attached.verdict
    return verdict.from_error(exc)
