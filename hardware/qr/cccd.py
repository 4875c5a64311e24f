"""Parser of the QR code printed on the chip ID card (CCCD / Căn cước):
``ID12|old ID9|Full Name|ddMMyyyy|Nam|address|ddMMyyyy issue date[|extra fields of 2024 cards...]``."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from hardware.qr.errors import NotACccdQr, UnreadableQr
from shared_schemas import personal_id
from shared_schemas.text import mask_personal_id

logger = logging.getLogger(__name__)

CCCD_FIELD_COUNT = 7
#: Card QRs are a few hundred bytes; anything far longer is not one, and we refuse to chew on it.
MAX_PAYLOAD_CHARS = 4096

_DDMMYYYY = re.compile(r"[0-9]{8}")
_OLD_ID = re.compile(r"[0-9]{9}|[0-9]{12}")


@dataclass(frozen=True)
class CccdQrRecord:
    """What the card's QR says about its holder (texts NFC-normalized)."""

    id_number: str
    old_id_number: str | None
    full_name: str
    date_of_birth: date
    sex: str  # shared_schemas.personal_id.MALE / FEMALE
    address: str
    issue_date: date
    #: Trailing fields of 2024 cards (cancelled old numbers, parents' names...): order not settled, kept raw.
    extra_fields: tuple[str, ...] = ()

    def __repr__(self) -> str:  # keep personal data out of logs and tracebacks
        return f"CccdQrRecord(id_number={mask_personal_id(self.id_number)!r}, ...)"


def normalize_payload(payload: str | bytes) -> str:
    """Text of a QR payload, NFC-normalized; UnreadableQr for bytes that are not UTF-8 or text zbar mangled."""
    if isinstance(payload, (bytes, bytearray)):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableQr("QR payload is not UTF-8 text") from exc
    if not isinstance(payload, str):
        raise TypeError(f"QR payload must be str or bytes, not {type(payload).__name__}")
    if "\ufffd" in payload:
        raise UnreadableQr("QR payload contains replacement characters: it was decoded with the wrong charset")
    return unicodedata.normalize("NFC", payload)


def parse_cccd_qr(payload: str | bytes) -> CccdQrRecord:
    """Parse and check a card QR. Raises UnreadableQr (no usable text) or NotACccdQr (which part is wrong)."""
    text = normalize_payload(payload).strip()
    if not text:
        raise UnreadableQr("QR payload is empty")
    if len(text) > MAX_PAYLOAD_CHARS:
        raise NotACccdQr(f"payload is {len(text)} characters long; a card QR is far shorter")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise NotACccdQr("payload contains control characters")
    fields = text.split("|")
    if len(fields) < CCCD_FIELD_COUNT:
        raise NotACccdQr(f"expected at least {CCCD_FIELD_COUNT} '|'-separated fields, got {len(fields)}")
    id_number, old_id, full_name, dob_text, sex_text, address, issue_text = (f.strip() for f in fields[:7])

    try:
        personal_id.parse(id_number)
    except personal_id.PersonalIdError:
        raise NotACccdQr("field 1 (ID number) must be exactly 12 digits") from None
    if old_id and not _OLD_ID.fullmatch(old_id):
        raise NotACccdQr("field 2 (old ID number) must be empty, 9 or 12 digits")
    full_name = " ".join(full_name.split())
    if not full_name or any(ch.isdigit() for ch in full_name):
        raise NotACccdQr("field 3 (full name) must be a non-empty name without digits")
    date_of_birth = _parse_ddmmyyyy(dob_text, "field 4 (date of birth)")
    sex = personal_id.sex_from_vietnamese(sex_text)
    if sex is None:
        raise NotACccdQr("field 5 (sex) must be 'Nam' or 'Nữ'")
    issue_date = _parse_ddmmyyyy(issue_text, "field 7 (issue date)")
    if issue_date < date_of_birth:
        raise NotACccdQr("field 7 (issue date) is before field 4 (date of birth)")

    try:
        personal_id.validate(id_number, sex=sex, date_of_birth=date_of_birth)
    except personal_id.PersonalIdError as exc:
        raise NotACccdQr(f"ID number does not match the QR: {exc}") from None

    extra = tuple(f.strip() for f in fields[7:])
    logger.debug("parsed card QR of %s (%d extra fields)", mask_personal_id(id_number), len(extra))
    return CccdQrRecord(
        id_number=id_number,
        old_id_number=old_id or None,
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        address=" ".join(address.split()),
        issue_date=issue_date,
        extra_fields=extra,
    )


def format_cccd_qr(record: CccdQrRecord) -> str:
    """The payload a card would carry for ``record`` (for simulators and tests)."""
    fields = [
        record.id_number,
        record.old_id_number or "",
        record.full_name,
        record.date_of_birth.strftime("%d%m%Y"),
        personal_id.vietnamese_sex(record.sex),
        record.address,
        record.issue_date.strftime("%d%m%Y"),
        *record.extra_fields,
    ]
    return "|".join(fields)


def _parse_ddmmyyyy(text: str, what: str) -> date:
    if not _DDMMYYYY.fullmatch(text):
        raise NotACccdQr(f"{what} must be 8 digits ddMMyyyy")
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError as exc:
        raise NotACccdQr(f"{what} is not a real date ({exc})") from None
