"""Reading an eMRTD chip (the CCCD): open it with PACE when EF.CardAccess offers it (else BAC), select the
application, read the files EF.SOD signs with as few READ BINARY commands as the card allows (DG14 first,
then chip authentication when it declares it), then active authentication and the verdict (result.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import time
from typing import Callable, Iterable, Sequence

from hardware.smartcard import active_auth, bac, capabilities, chip_auth, pace, pace_cam, sm, tlv
from hardware.smartcard.apdu import EXTENDED_MAX_LE, CommandAPDU, ResponseAPDU, check_status
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.errors import (
    AccessDenied,
    CardStatusError,
    ChipAuthenticationFailed,
    FileNotFound,
    MalformedData,
    MalformedTlv,
    SecureMessagingError,
    SecurityStatusNotSatisfied,
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
    card_security,
    com,
    dg14,
    dg15,
    sod,
)
from hardware.smartcard.lds.security_infos import SecurityInfo, parse_security_infos
from hardware.smartcard.mrz import AccessKey
from hardware.smartcard.passive_auth import TrustStore
from hardware.smartcard.result import CardReadResult, ReadEvidence, ReadStats, assemble

log = logging.getLogger(__name__)

#: Data groups read by default: the ones a CCCD carries that need no extended access control.
DEFAULT_DATA_GROUPS = frozenset({1, 2, 5, 7, 11, 12, 13, 14, 15, 16})
_HEADER_PROBE = 8  # enough for any LDS file's tag and length
#: Read whenever EF.SOD lists them, whatever the caller asked: they decide whether the chip must prove itself.
_ALWAYS_READ = frozenset({1, 14, 15})
#: Behind extended access control (fingerprints, iris): a refusal is expected, not a missing group.
_EAC_GROUPS = frozenset({3, 4})
_NO_CA = chip_auth.ChipAuthResult(chip_auth.CaStatus.NOT_SUPPORTED, "DG14 declares no chip authentication")
_NO_OFFER = chip_auth.Dg14Offer((), False, False)


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
        self._cam: tuple | None = None  # PACE-CAM outcome, its cipher and EF.CardSecurity, to verify in read()

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
        log.debug("card capabilities: extended length %s, max response %d", caps.extended_length, caps.max_response)
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
                outcome = pace.perform_pace(self.channel, key, pace_options[0], random=self._random)
                if outcome.encrypted_chip_auth_data is not None:
                    # The static key PACE-CAM proves is in EF.CardSecurity, in the master file: read it now.
                    cipher = self.channel.secure_messaging.cipher
                    self._cam = (outcome, cipher, self.read_file(card_security.EF_CARD_SECURITY))
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
        aa_challenge: bytes | None = None,
    ) -> CardReadResult:
        """EF.COM is only a hint: the signed EF.SOD decides which data groups must be there. DG14 comes first,
        so that chip authentication protects the rest of the read. ``aa_challenge``: the 8 bytes to sign in
        active authentication (a challenge the backend issued), else a random one."""
        if aa_challenge is not None and len(aa_challenge) != 8:
            raise ValueError("the active authentication challenge must be 8 bytes (ICAO 9303-11 6.1)")
        wall, cpu = time.perf_counter(), time.thread_time()
        counters = self._counters()
        self.detect_capabilities()
        self._cam = None
        access = self.open(access_keys)
        raw = {"COM": self.read_file(EF_COM)}
        ef_com = com.parse(raw["COM"])
        raw["SOD"] = self.read_file(EF_SOD)
        security_object = sod.parse(raw["SOD"])
        signed = set(security_object.data_group_hashes)
        wanted = set(DEFAULT_DATA_GROUPS if data_groups is None else data_groups) | _ALWAYS_READ
        plan = sorted((signed & wanted) | {1})
        evidence = ReadEvidence(
            access,
            ef_com,
            security_object,
            {},
            raw,
            {},
            {},
            _NO_CA,
            _NO_OFFER,
            _com_notes(set(ef_com.data_groups), signed),
        )
        self._prove_chip(evidence, 14 in plan, trust_store)
        self._read_rest(evidence, [n for n in plan if n != 14])
        if 1 not in evidence.groups:
            raise FileNotFound("the chip has no DG1 (MRZ)", 0x6A82)

        def active_authentication_step(dg15_raw: bytes, infos) -> active_auth.ActiveAuthResult:
            return self._active_authentication(dg15_raw, infos, aa_challenge)

        result = assemble(evidence, trust_store, active_authentication_step if active_authentication else None, today)
        result.stats = self._stats(wall, cpu, counters)
        return result

    def _prove_chip(self, evidence: ReadEvidence, dg14_signed: bool, trust_store) -> None:
        """PACE-CAM's proof (already run) or DG14 first and Chip Authentication, so that the keys it agrees
        protect the rest of the read. Whatever the signed files declare becomes required."""
        if self._cam is not None:
            evidence.raw["CardSecurity"] = self._cam[2]
            evidence.chip_auth = pace_cam.verify_read(*self._cam, trust_store)
        if dg14_signed:
            self._read_group(14, evidence)
        if 14 in evidence.groups:
            offer = evidence.offer = _dg14_offer(evidence.groups[14])
            if self._cam is None and offer.chip_authentication_declared:
                evidence.chip_auth = self._chip_authentication(offer)
            elif self._cam is None and offer.cam_declared:
                evidence.chip_auth = chip_auth.ChipAuthResult(
                    chip_auth.CaStatus.NOT_POSSIBLE, "DG14 declares PACE-CAM, but the chip was not opened with it"
                )
        if self._cam is not None or evidence.offer.cam_declared:
            evidence.offer = dataclasses.replace(evidence.offer, chip_authentication_declared=True)

    def _read_rest(self, evidence: ReadEvidence, numbers: list[int]) -> None:
        unconfirmed = evidence.chip_auth.passed and self._cam is None
        for number in numbers:
            try:
                self._read_group(number, evidence)
            except SecureMessagingError as exc:
                if unconfirmed:
                    # The chip agreed other keys than DG14's public key gives: it lacks the private key.
                    raise ChipAuthenticationFailed(
                        "after chip authentication the chip could not continue secure messaging: it does not "
                        "hold the private key of the DG14 chip authentication key"
                    ) from exc
                raise
            unconfirmed = False

    def _active_authentication(
        self, dg15_raw: bytes, infos, challenge: bytes | None = None
    ) -> active_auth.ActiveAuthResult:
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
            challenge=challenge,
        )

    def _read_group(self, number: int, evidence: ReadEvidence) -> None:
        try:
            data = evidence.groups[number] = self.read_file(DATA_GROUPS[number])
            evidence.raw[f"DG{number}"] = data
        except SecurityStatusNotSatisfied:
            if number in _EAC_GROUPS:
                evidence.unavailable[number] = "access denied (needs extended access control)"
            else:
                evidence.missing[number] = "access denied"
        except FileNotFound:
            evidence.missing[number] = "not on the chip"

    def _chip_authentication(self, offer: chip_auth.Dg14Offer) -> chip_auth.ChipAuthResult:
        if not offer.options:
            detail = "; ".join(offer.problems) or "no usable chip authentication key"
            return chip_auth.ChipAuthResult(chip_auth.CaStatus.NOT_POSSIBLE, detail)
        extended = bool(self.capabilities and self.capabilities.extended_length)
        return chip_auth.perform_chip_authentication(
            self.channel, offer.options[0], random=self._random, extended=extended
        )

    def _counters(self) -> tuple:
        t = self.transport
        return t.apdu_count, t.bytes_sent, t.bytes_received, t.transmit_seconds, t.transmit_cpu_seconds

    def _stats(self, wall: float, cpu: float, counters: tuple) -> ReadStats:
        now = self._counters()
        return ReadStats(
            now[0] - counters[0],
            now[1] - counters[1],
            now[2] - counters[2],
            time.perf_counter() - wall,
            now[3] - counters[3],
            time.thread_time() - cpu - (now[4] - counters[4]),
        )


def _dg14_offer(raw: bytes) -> chip_auth.Dg14Offer:
    """DG14's anti-cloning declarations. Unparseable DG14 declares nothing here; passive authentication and
    the parse in ``assemble`` then report it (as altered when its hash does not match)."""
    try:
        return chip_auth.interpret_dg14(dg14.parse(raw))
    except MalformedData as exc:
        log.warning("DG14 cannot be parsed: %s", exc)
        return chip_auth.Dg14Offer((), False, False, (str(exc),))


def _com_notes(in_com: set[int], signed: set[int]) -> tuple[str, ...]:
    notes = []
    if in_com - signed:
        groups = ", ".join(f"DG{n}" for n in sorted(in_com - signed))
        notes.append(f"EF.COM lists {groups}, which EF.SOD does not sign: ignored")
    if signed - in_com:
        groups = ", ".join(f"DG{n}" for n in sorted(signed - in_com))
        notes.append(f"EF.SOD signs {groups}, which EF.COM leaves out: read anyway")
    return tuple(notes)


def read_card(
    transport,
    access_key: AccessKey | Sequence[AccessKey],
    trust_store: TrustStore | None = None,
    *,
    strict: bool = True,
    **options,
) -> CardReadResult:
    """Read and verify a chip. ``strict``: raise the typed error of a NOT VERIFIED verdict (see
    ``CardReadResult.verify``) with the result attached as ``exc.card_read_result``; otherwise the caller
    reads ``result.verdict`` itself. Options: those of EmrtdReader and of ``EmrtdReader.read`` (including
    ``aa_challenge``)."""
    reader_options = {k: options.pop(k) for k in ("extended_length", "use_sfi", "use_pace", "random") if k in options}
    result = EmrtdReader(transport, **reader_options).read(access_key, trust_store, **options)
    if strict:
        result.verify()
    return result


__all__ = ["DEFAULT_DATA_GROUPS", "CardReadResult", "EmrtdReader", "ReadStats", "read_card"]
