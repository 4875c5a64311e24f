"""Reading an eMRTD chip (the CCCD): open it with PACE when EF.CardAccess offers it (else BAC), select the
application, read the LDS files with as few READ BINARY commands as the card allows, then passive and
active authentication."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from hardware.smartcard import active_auth, bac, capabilities, pace, sm, tlv
from hardware.smartcard.apdu import EXTENDED_MAX_LE, CommandAPDU, ResponseAPDU, check_status
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.errors import (
    AccessDenied,
    CardStatusError,
    DocumentExpired,
    FileNotFound,
    HashMismatch,
    MalformedData,
    MalformedTlv,
    SecurityStatusNotSatisfied,
    SmartcardError,
    UnsupportedCommand,
    WrongLength,
)
from hardware.smartcard.lds import (
    DATA_GROUPS,
    EF_ATR_INFO,
    EF_CARD_ACCESS,
    EF_COM,
    EF_SOD,
    EMRTD_AID,
    LdsFile,
    com,
    dg1,
    dg2,
    dg13,
    dg14,
    dg15,
    sod,
)
from hardware.smartcard.lds.security_infos import SecurityInfo, parse_security_infos
from hardware.smartcard.mrz import AccessKey, Mrz, yymmdd_to_date
from hardware.smartcard.passive_auth import PassiveAuthResult, TrustStore, passive_authenticate

log = logging.getLogger(__name__)

#: Data groups read by default: the ones a CCCD carries that need no extended access control.
DEFAULT_DATA_GROUPS = frozenset({1, 2, 5, 7, 11, 12, 13, 14, 15, 16})
_HEADER_PROBE = 8  # enough for any LDS file's tag and length


@dataclass(frozen=True)
class ReadStats:
    apdus: int
    bytes_sent: int
    bytes_received: int
    wall_seconds: float
    transport_seconds: float
    cpu_seconds_excluding_transport: float


@dataclass
class CardReadResult:
    """Everything read from the chip. Personal data lives here: never log it."""

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

    @property
    def face_image(self) -> dg2.FaceImage | None:
        return self.faces[0] if self.faces else None

    def verify(self) -> None:
        """Raise the first problem: a failed passive or active authentication check, then expiry.
        A skipped chain check (no trust store) is reported in ``passive_auth`` but not raised."""
        for check in self.passive_auth.failed:
            check.error.card_read_result = self  # type: ignore[union-attr]
            raise check.error  # type: ignore[misc]
        try:
            active_auth.raise_for_failure(self.active_auth)
            if self.document_expired:
                raise DocumentExpired(f"the document expired ({self.mrz.expiry_date})")
        except SmartcardError as exc:
            exc.card_read_result = self  # type: ignore[attr-defined]
            raise

    def __repr__(self) -> str:
        return f"CardReadResult(access_control={self.access_control!r}, <personal data redacted>)"


class EmrtdReader:
    """Protocol layer over a transport. ``extended_length``: None to ask the card, or force True / False."""

    def __init__(
        self,
        transport,
        *,
        extended_length: bool | None = None,
        use_sfi: bool = True,
        use_pace: bool = True,
        random: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.transport = transport
        self.channel = CardChannel(transport)
        self._extended_override = extended_length
        self._use_sfi = use_sfi
        self._use_pace = use_pace
        self._random = random
        self.capabilities: capabilities.CardCapabilities | None = None
        self.access_control = ""

    # -- card discovery and access control -----------------------------------------------------
    def detect_capabilities(self) -> capabilities.CardCapabilities:
        if self._extended_override is not None:
            caps = capabilities.CardCapabilities(
                self._extended_override, EXTENDED_MAX_LE if self._extended_override else 256
            )
        else:
            from_atr = capabilities.extended_length_from_atr(self.transport.atr)
            if from_atr is not None:
                caps = capabilities.CardCapabilities(from_atr, EXTENDED_MAX_LE if from_atr else 256)
            else:
                caps = self._capabilities_from_ef_atr_info() or capabilities.CardCapabilities.short()
        self.capabilities = caps
        log.debug(
            "card capabilities: extended length %s, max response %d", caps.extended_length, caps.max_response
        )
        return caps

    def _capabilities_from_ef_atr_info(self) -> capabilities.CardCapabilities | None:
        try:
            response = self._plain_read_sfi(EF_ATR_INFO)
        except CardStatusError:
            return None
        return capabilities.from_atr_info(response.data)

    def _plain_read_sfi(self, lds_file: LdsFile) -> ResponseAPDU:
        return check_status(
            self.channel.send(CommandAPDU(0x00, 0xB0, 0x80 | lds_file.sfi, 0x00, le=256)),
            f"READ {lds_file.name}",
        )

    def read_card_access(self) -> list[SecurityInfo] | None:
        """EF.CardAccess (readable before access control), or None when the chip has none."""
        try:
            response = self._plain_read_sfi(EF_CARD_ACCESS)
        except (FileNotFound, UnsupportedCommand, SecurityStatusNotSatisfied, WrongLength):
            return None
        return parse_security_infos(tlv.parse_single(response.data, 0x31).value)

    def select_application(self, *, keep_session: bool = False) -> None:
        """SELECT the eMRTD application: in plain before BAC, under the PACE session after PACE."""
        if not keep_session:
            self.channel.secure_messaging = None
        try:
            check_status(self.channel.send(CommandAPDU(0x00, 0xA4, 0x04, 0x0C, EMRTD_AID)), "SELECT eMRTD")
        except FileNotFound as exc:
            raise FileNotFound("the card has no eMRTD application: it is not a chip ID card", exc.sw) from exc

    def open(self, access_keys: AccessKey | Sequence[AccessKey]) -> str:
        """Establish secure messaging: PACE when EF.CardAccess offers a protocol we run, BAC when it does not
        or the chip answers that PACE is not supported. Keys are tried in order; AccessDenied only when none
        opens the chip (a wrong key under PACE is not retried with BAC)."""
        keys = [access_keys] if isinstance(access_keys, AccessKey) else list(access_keys)
        if not keys:
            raise AccessDenied("no access key given")
        if self.capabilities is None:
            self.detect_capabilities()
        pace_options = pace.supported_pace_infos(self.read_card_access()) if self._use_pace else []
        last_error: AccessDenied | None = None
        for index, key in enumerate(keys):
            try:
                self.access_control = self._open_with(key, pace_options)
                if index:
                    log.info("access key %d of %d opened the chip", index + 1, len(keys))
                return self.access_control
            except AccessDenied as exc:
                log.info("access key %d of %d refused", index + 1, len(keys))
                last_error = exc
        assert last_error is not None
        raise last_error

    def _open_with(self, key: AccessKey, pace_options: list[pace.PaceInfo]) -> str:
        if pace_options:
            try:
                pace.perform_pace(self.channel, key, pace_options[0], random=self._random)
                self.select_application(keep_session=True)
                return "PACE"
            except UnsupportedCommand as exc:
                log.info("the chip announces PACE but refused it (%s): falling back to BAC", exc)
        self.select_application()
        bac.perform_bac(self.channel, key, random=self._random)
        return "BAC"

    # -- reading files ---------------------------------------------------------------------------
    @property
    def chunk_size(self) -> int:
        caps = self.capabilities or capabilities.CardCapabilities.short()
        block = self.channel.secure_messaging.cipher.block_size if self.channel.secure_messaging else 8
        if caps.extended_length:
            # DO87 header (up to 6 bytes) + a padding block + DO99 + DO8E must fit the card's maximum.
            return min(caps.max_response, EXTENDED_MAX_LE) - 6 - block - 4 - 10
        return sm.max_short_read(block)

    def _read_binary(self, offset: int, length: int, sfi: int | None = None) -> bytes:
        if sfi is not None:
            p1, p2 = 0x80 | sfi, offset
        else:
            p1, p2 = offset >> 8, offset & 0xFF
        extended = length > 256
        try:
            response = self.channel.send(CommandAPDU(0x00, 0xB0, p1, p2, le=length, extended=extended))
            return check_status(response, "READ BINARY").data
        except WrongLength:
            if length <= _HEADER_PROBE:
                raise
            log.debug("card refused Le=%d, reading the header first", length)
            return self._read_binary(offset, _HEADER_PROBE, sfi)

    def select_file(self, lds_file: LdsFile) -> None:
        command = CommandAPDU(0x00, 0xA4, 0x02, 0x0C, lds_file.fid.to_bytes(2, "big"))
        check_status(self.channel.send(command), f"SELECT {lds_file.name}")

    def read_file(self, lds_file: LdsFile) -> bytes:
        """The whole file: the first chunk names the TLV length, then as few reads as the card allows."""
        chunk = self.chunk_size
        data = None
        if self._use_sfi:
            try:
                data = self._read_binary(0, chunk, sfi=lds_file.sfi)
            except UnsupportedCommand:
                log.info("the card does not read by short file identifier; selecting files instead")
                self._use_sfi = False
        if data is None:
            self.select_file(lds_file)
            data = self._read_binary(0, chunk)
        try:
            _, length, header = tlv.read_header(data)
        except MalformedTlv as exc:
            raise MalformedTlv(f"{lds_file.name}: {exc}") from exc
        total = header + length
        parts = [data]
        received = len(data)
        while received < total:
            if received > 0x7FFF:
                raise MalformedTlv(f"{lds_file.name} is longer than 32 KB; read it with extended length")
            part = self._read_binary(received, min(chunk, total - received))
            if not part:
                raise MalformedTlv(f"{lds_file.name} ends after {received} of {total} bytes")
            parts.append(part)
            received += len(part)
        return b"".join(parts)[:total]

    # -- the whole read --------------------------------------------------------------------------
    def read(
        self,
        access_keys: AccessKey | Sequence[AccessKey],
        trust_store: TrustStore | None = None,
        *,
        data_groups: Iterable[int] | None = None,
        active_authentication: bool = True,
        today: dt.date | None = None,
    ) -> CardReadResult:
        wall, cpu = time.perf_counter(), time.thread_time()
        counters = (
            self.transport.apdu_count,
            self.transport.bytes_sent,
            self.transport.bytes_received,
            self.transport.transmit_seconds,
            self.transport.transmit_cpu_seconds,
        )
        self.detect_capabilities()
        access = self.open(access_keys)
        raw = {"COM": self.read_file(EF_COM)}
        ef_com = com.parse(raw["COM"])
        raw["SOD"] = self.read_file(EF_SOD)
        security_object = sod.parse(raw["SOD"])
        wanted = set(DEFAULT_DATA_GROUPS if data_groups is None else data_groups) | {1}
        groups: dict[int, bytes] = {}
        unavailable: dict[int, str] = {}
        for number in sorted(set(ef_com.data_groups) & wanted | ({1} - set(ef_com.data_groups))):
            try:
                groups[number] = self.read_file(DATA_GROUPS[number])
            except SecurityStatusNotSatisfied:
                unavailable[number] = "access denied (needs extended access control)"
            except FileNotFound:
                unavailable[number] = "not on the chip"
        for number, data in groups.items():
            raw[f"DG{number}"] = data
        if 1 not in groups:
            raise FileNotFound("the chip has no DG1 (MRZ)", 0x6A82)
        result = self._parse(
            access,
            ef_com,
            security_object,
            groups,
            raw,
            unavailable,
            trust_store,
            active_authentication,
            today,
        )
        thread_cpu = time.thread_time() - cpu
        result.stats = ReadStats(
            self.transport.apdu_count - counters[0],
            self.transport.bytes_sent - counters[1],
            self.transport.bytes_received - counters[2],
            time.perf_counter() - wall,
            self.transport.transmit_seconds - counters[3],
            thread_cpu - (self.transport.transmit_cpu_seconds - counters[4]),
        )
        return result

    def _parse(
        self, access, ef_com, security_object, groups, raw, unavailable, trust_store, do_aa, today
    ) -> CardReadResult:
        # Hashes first: a data group that fails to parse because it was altered is reported as altered.
        pa = passive_authenticate(security_object, groups, trust_store)

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
        aa = active_auth.ActiveAuthResult(active_auth.AaStatus.NOT_SUPPORTED, "the chip has no DG15")
        if 15 in groups and do_aa:
            aa = self._active_authentication(groups[15], infos)
        expiry = yymmdd_to_date(mrz.expiry_date, future=True)
        expired = expiry is not None and expiry < (today or dt.date.today())
        return CardReadResult(
            access, ef_com, mrz, faces, personal, infos, security_object, pa, aa, raw, unavailable, expired
        )

    def _active_authentication(self, dg15_raw: bytes, infos) -> active_auth.ActiveAuthResult:
        try:
            key = dg15.parse(dg15_raw)
        except MalformedData as exc:
            log.warning("active authentication not possible: %s", exc)
            return active_auth.ActiveAuthResult(active_auth.AaStatus.NOT_VERIFIED, str(exc))
        return active_auth.perform_active_authentication(
            self.channel,
            key,
            active_auth.signature_hash_from_dg14(infos),
            extended=bool(self.capabilities and self.capabilities.extended_length),
            random=self._random,
        )


def read_card(
    transport,
    access_key: AccessKey | Sequence[AccessKey],
    trust_store: TrustStore | None = None,
    *,
    strict: bool = True,
    **options,
) -> CardReadResult:
    """Read and verify a chip. ``strict``: raise the first failed check (HashMismatch, InvalidSignature,
    UntrustedSigner, ActiveAuthenticationFailed, DocumentExpired) with the result attached as
    ``exc.card_read_result``; otherwise the caller inspects ``result.passive_auth`` itself."""
    reader_options = {
        k: options.pop(k) for k in ("extended_length", "use_sfi", "use_pace", "random") if k in options
    }
    result = EmrtdReader(transport, **reader_options).read(access_key, trust_store, **options)
    if strict:
        result.verify()
    return result
