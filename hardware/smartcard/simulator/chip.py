"""The software chip: an APDU handler with the eMRTD application's files, access control and faults."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Callable, Iterable

from hardware.smartcard import active_auth, bac, capabilities, chip_auth, pace
from hardware.smartcard.apdu import SHORT_MAX_LE, CommandAPDU, ResponseAPDU
from hardware.smartcard.errors import AccessDenied, CardRemoved, SecureMessagingError, WrongLength
from hardware.smartcard.lds import EF_ATR_INFO, EF_CARD_ACCESS, EMRTD_AID, LdsFile
from hardware.smartcard.lds.card_security import EF_CARD_SECURITY
from hardware.smartcard.mrz import AccessKey
from hardware.smartcard.sm import SecureMessaging

log = logging.getLogger(__name__)

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282
SW_AUTH_FAILED = 0x6300
SW_WRONG_LENGTH = 0x6700
SW_SM_MISSING = 0x6987
SW_SM_INCORRECT = 0x6988
SW_SECURITY_STATUS = 0x6982
SW_CONDITIONS = 0x6985
SW_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_OFFSET = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00

#: Card capabilities in the historical bytes: third byte 0xC0 = chaining and extended Lc/Le.
HISTORICAL_EXTENDED = bytes.fromhex("8073C021C0")
HISTORICAL_SHORT = bytes.fromhex("8073C02180")
#: Master-file EFs readable before access control (EF.CardSecurity needs PACE).
_PUBLIC_MF_FILES = {EF_CARD_ACCESS.fid, EF_ATR_INFO.fid}
#: Data groups behind extended access control (fingerprints, iris).
EAC_PROTECTED = {0x0103, 0x0104}


@dataclass
class ChipFaults:
    """Ways the chip can misbehave. Faults on responses start after ``after_apdus`` commands, so that
    access control can succeed first."""

    wrong_mac: bool = False
    truncated_response: bool = False
    unknown_tag: bool = False  # an unexpected data object inside protected responses
    remove_after_apdus: int | None = None  # the card leaves the field at this command
    after_apdus: int = 0


class SimulatedChip:
    def __init__(
        self,
        application_files: dict[LdsFile, bytes],
        bac_key: AccessKey,
        *,
        aa_private_key=None,
        aa_hash: str = "sha256",
        card_access: bytes | None = None,
        pace_infos: Iterable[pace.PaceInfo] = (),
        bac_enabled: bool = True,
        extended_length: bool = True,
        atr_historical: bytes | None = None,
        atr_info: bytes | None = None,
        faults: ChipFaults | None = None,
        random: Callable[[int], bytes] = os.urandom,
        chip_authentication: chip_auth.ChipCa | None = None,
        card_security: bytes | None = None,
        cam_private: int | None = None,
    ) -> None:
        """``chip_authentication``: the chip's CA key and protocol (None: it answers the CA commands with
        6D00, as a chip without CA, or a clone that cannot do it, would). ``card_security``: EF.CardSecurity
        (master file, readable under PACE); ``cam_private``: the static key PACE-CAM proves."""
        self.files = {f.fid: data for f, data in application_files.items()}
        self.sfis = {f.sfi: f.fid for f in application_files}
        self.mf_files: dict[int, bytes] = {}
        self.mf_sfis: dict[int, int] = {}
        pace_infos = list(pace_infos)
        if card_access is None and pace_infos:
            card_access = pace.encode_card_access(pace_infos)
        if card_access is not None:
            self._add_mf_file(EF_CARD_ACCESS, card_access)
        # EF.CardAccess may announce PACE the chip does not run (no pace_infos): the reader's fallback test.
        self.pace = pace.ChipPace(bac_key, pace_infos, random, cam_private=cam_private) if pace_infos else None
        if card_security is not None:
            self._add_mf_file(EF_CARD_SECURITY, card_security)
        self.bac_enabled = bac_enabled
        if atr_info is not None:
            self._add_mf_file(EF_ATR_INFO, atr_info)
        self.bac_keys = bac.derive_keys(bac_key)
        self.aa_private_key = aa_private_key
        self.aa_hash = aa_hash
        self.extended_length = extended_length
        historical = (
            atr_historical
            if atr_historical is not None
            else (HISTORICAL_EXTENDED if extended_length else HISTORICAL_SHORT)
        )
        self.atr = capabilities.encode_atr(historical)
        self.faults = faults or ChipFaults()
        self.random = random
        self.chip_auth = chip_authentication
        self.apdu_count = 0
        self.reset()

    def _add_mf_file(self, lds_file: LdsFile, data: bytes) -> None:
        self.mf_files[lds_file.fid] = data
        self.mf_sfis[lds_file.sfi] = lds_file.fid

    def reset(self) -> None:
        self.in_application = False
        self.current_ef: int | None = None
        self.challenge: bytes | None = None
        self.sm: SecureMessaging | None = None
        self._next_sm: SecureMessaging | None = None  # chip authentication: replaces sm after this response
        self._chained = b""  # data of protected commands sent with the chaining bit, awaiting the last link
        if self.pace is not None:
            self.pace.reset()
        if self.chip_auth is not None:
            self.chip_auth.reset()

    # -- the APDU loop -------------------------------------------------------------------------
    def process(self, raw: bytes) -> bytes:
        self.apdu_count += 1
        if self.faults.remove_after_apdus is not None and self.apdu_count >= self.faults.remove_after_apdus:
            raise CardRemoved("the simulated card left the field")
        try:
            command = CommandAPDU.from_bytes(raw)
        except WrongLength:
            return self._plain(SW_WRONG_LENGTH)
        session = self.sm
        if session is not None:
            if command.cla & 0x0C != 0x0C:
                self.sm = None  # a plain command ends the secure session (ICAO 9303-11 9.8.6)
                return self._plain(SW_SM_MISSING)
            try:
                command = session.unwrap_command(command)
            except (SecureMessagingError, WrongLength):
                self.sm = None
                return self._plain(SW_SM_INCORRECT)
        elif command.cla & 0x0C:
            return self._plain(SW_SM_INCORRECT)
        if command.is_extended and not self.extended_length:
            response = ResponseAPDU(b"", SW_WRONG_LENGTH)
        elif session is not None and command.cla & 0x10:
            # ISO 7816-4 chaining under secure messaging (PACE's own 0x10 steps run before any session).
            self._chained += command.data
            response = ResponseAPDU(b"", SW_OK)
        else:
            if self._chained:
                command = CommandAPDU(
                    command.cla,
                    command.ins,
                    command.p1,
                    command.p2,
                    self._chained + command.data,
                    command.le,
                    extended=command.extended,
                )
                self._chained = b""
            response = self._dispatch(command)
        if session is not None and self.sm is session:
            extra = b"\x42\x01\x00" if self._faulty() and self.faults.unknown_tag else b""
            response = session.wrap_response(response, extra_objects=extra)
            if self._next_sm is not None:
                self.sm, self._next_sm = self._next_sm, None
            return self._misbehave(response.to_bytes())
        return response.to_bytes()

    def _plain(self, sw: int) -> bytes:
        return sw.to_bytes(2, "big")

    def _faulty(self) -> bool:
        return self.apdu_count > self.faults.after_apdus

    def _misbehave(self, raw: bytes) -> bytes:
        if not self._faulty():
            return raw
        if self.faults.wrong_mac:
            raw = raw[:-3] + bytes([raw[-3] ^ 0x01]) + raw[-2:]
        if self.faults.truncated_response:
            raw = raw[: len(raw) // 2] + raw[-2:]
        return raw

    def _dispatch(self, command: CommandAPDU) -> ResponseAPDU:
        handler = {
            0xA4: self._select,
            0xB0: self._read_binary,
            0x84: self._get_challenge,
            0x82: self._external_authenticate,
            0x88: self._internal_authenticate,
            0x22: self._manage_security_environment,
            0x86: self._general_authenticate,
        }.get(command.ins)
        if handler is None:
            return ResponseAPDU(b"", SW_INS_NOT_SUPPORTED)
        return handler(command)

    # -- commands --------------------------------------------------------------------------------
    def _select(self, command: CommandAPDU) -> ResponseAPDU:
        if command.p1 == 0x04:
            if command.data != EMRTD_AID:
                return ResponseAPDU(b"", SW_NOT_FOUND)
            self.in_application, self.current_ef, self.challenge = True, None, None
            return ResponseAPDU(b"", SW_OK)
        if command.p1 == 0x00 and command.data in (b"", b"\x3f\x00"):
            return ResponseAPDU(b"", SW_INS_NOT_SUPPORTED)  # the CCCD answers 6D00 to SELECT MF
        if command.p1 not in (0x00, 0x02) or len(command.data) != 2:
            return ResponseAPDU(b"", SW_WRONG_P1P2)
        fid = int.from_bytes(command.data, "big")
        files = self.files if self.in_application else self.mf_files
        if fid not in files and fid not in self.mf_files:
            return ResponseAPDU(b"", SW_NOT_FOUND)
        self.current_ef = fid
        return ResponseAPDU(b"", SW_OK)

    def _file(self, fid: int) -> bytes | None:
        # EF.SOD and EF.CardSecurity share 011D: the application's file wins inside the application.
        if self.in_application and fid in self.files:
            return self.files[fid]
        return self.mf_files.get(fid)

    def _read_binary(self, command: CommandAPDU) -> ResponseAPDU:
        if command.p1 & 0x80:
            sfi = command.p1 & 0x1F
            fid = (self.sfis if self.in_application else {}).get(sfi) or self.mf_sfis.get(sfi)
            if command.p1 & 0x60 or fid is None:
                return ResponseAPDU(b"", SW_NOT_FOUND if fid is None else SW_WRONG_P1P2)
            self.current_ef, offset = fid, command.p2
        else:
            offset = (command.p1 << 8) | command.p2
        if self.current_ef is None:
            return ResponseAPDU(b"", 0x6986)
        data = self._file(self.current_ef)
        if data is None:
            return ResponseAPDU(b"", SW_NOT_FOUND)
        public = self.current_ef in _PUBLIC_MF_FILES and not (self.in_application and self.current_ef in self.files)
        protected = not public
        if protected and (self.sm is None or self.current_ef in EAC_PROTECTED):
            return ResponseAPDU(b"", SW_SECURITY_STATUS)
        if offset > len(data):
            return ResponseAPDU(b"", SW_OFFSET)
        le = command.le or SHORT_MAX_LE
        chunk = data[offset : offset + le]
        return ResponseAPDU(chunk, SW_OK if len(chunk) == le else SW_END_OF_FILE)

    def _get_challenge(self, command: CommandAPDU) -> ResponseAPDU:
        if not self.in_application or command.le != 8:
            return ResponseAPDU(b"", SW_CONDITIONS if not self.in_application else SW_WRONG_LENGTH)
        self.challenge = self.random(8)
        return ResponseAPDU(self.challenge, SW_OK)

    def _external_authenticate(self, command: CommandAPDU) -> ResponseAPDU:
        challenge, self.challenge = self.challenge, None
        if not self.bac_enabled:
            return ResponseAPDU(b"", SW_SECURITY_STATUS)  # a PACE-only chip
        if challenge is None:
            return ResponseAPDU(b"", SW_CONDITIONS)
        try:
            answer, session = bac.chip_answer(self.bac_keys, command.data, challenge, self.random)
        except AccessDenied:
            log.debug("simulated chip: BAC refused")
            return ResponseAPDU(b"", SW_AUTH_FAILED)
        self.sm = session
        return ResponseAPDU(answer, SW_OK)

    def _internal_authenticate(self, command: CommandAPDU) -> ResponseAPDU:
        if self.sm is None:
            return ResponseAPDU(b"", SW_SECURITY_STATUS)
        if self.aa_private_key is None:
            return ResponseAPDU(b"", SW_INS_NOT_SUPPORTED)
        if len(command.data) != 8:
            return ResponseAPDU(b"", SW_WRONG_LENGTH)
        return ResponseAPDU(active_auth.sign(self.aa_private_key, command.data, self.aa_hash, self.random), SW_OK)

    def _manage_security_environment(self, command: CommandAPDU) -> ResponseAPDU:
        if (command.p1, command.p2) in ((0x41, 0xA6), (0x41, 0xA4)):
            return self._chip_authentication(command)
        if self.pace is None:
            return ResponseAPDU(b"", SW_INS_NOT_SUPPORTED)
        if (command.p1, command.p2) != (0xC1, 0xA4):
            return ResponseAPDU(b"", SW_WRONG_P1P2)
        self.sm = None  # a new PACE run replaces any session
        return self.pace.set_at(command)

    def _chip_authentication(self, command: CommandAPDU) -> ResponseAPDU:
        if self.chip_auth is None:
            return ResponseAPDU(b"", SW_INS_NOT_SUPPORTED)
        if self.sm is None:
            return ResponseAPDU(b"", SW_SECURITY_STATUS)  # CA runs inside BAC or PACE secure messaging
        if command.p2 == 0xA4:
            return self.chip_auth.set_at(command)
        response, session = self.chip_auth.set_kat(command)
        self._next_sm = session
        return response

    def _general_authenticate(self, command: CommandAPDU) -> ResponseAPDU:
        if self.chip_auth is not None and self.chip_auth.armed:
            response, session = self.chip_auth.general_authenticate(command)
            self._next_sm = session
            return response
        if self.pace is None:
            return ResponseAPDU(b"", SW_INS_NOT_SUPPORTED)
        response, session = self.pace.general_authenticate(command)
        if session is not None:
            self.sm = session
        elif response.sw == SW_AUTH_FAILED:
            log.debug("simulated chip: PACE refused")
        return response
