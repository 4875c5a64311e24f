"""Machine-readable zone (TD1 for the CCCD, TD3 for passports) and the chip access key, from a scanned
MRZ or from the parsed CCCD QR code (with the card-validity rule that gives the expiry date)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hardware.smartcard.crypto import check_digit
from hardware.smartcard.errors import InvalidAccessKey, InvalidMrz

if TYPE_CHECKING:
    from hardware.qr.cccd import CccdQrRecord

#: What a card that never expires carries as its expiry (open point: one sample suggests 991231).
DEFAULT_NO_EXPIRY = "991231"
#: Cards issued from this day follow the 2023 Law on Identification (adds the age-14 milestone).
LAW_2023_FROM = dt.date(2024, 7, 1)
MILESTONES_2023 = (14, 25, 40, 60)
MILESTONES_2014 = (25, 40, 60)

_YYMMDD = re.compile(r"^\d{6}$")
_DOC_NUMBER = re.compile(r"^[0-9A-Z<]{1,30}$")


@dataclass(frozen=True)
class Mrz:
    document_code: str
    issuing_state: str
    document_number: str
    optional_data: str
    birth_date: str  # YYMMDD
    sex: str
    expiry_date: str  # YYMMDD
    nationality: str
    optional_data2: str
    surname: str
    given_names: str
    text: str

    @property
    def personal_id(self) -> str | None:
        """The 12-digit personal ID (số định danh cá nhân) a CCCD carries in its optional data."""
        candidate = self.optional_data[:12]
        return candidate if re.fullmatch(r"\d{12}", candidate) else None

    def access_key(self) -> AccessKey:
        return AccessKey(self.document_number, self.birth_date, self.expiry_date)


@dataclass(frozen=True)
class AccessKey:
    """The BAC / PACE-MRZ key material: document number, date of birth and date of expiry (YYMMDD)."""

    document_number: str
    birth_date: str
    expiry_date: str

    def __post_init__(self) -> None:
        if not _DOC_NUMBER.match(self.document_number):
            raise InvalidAccessKey("document number must be 1-30 characters of 0-9, A-Z or <")
        for name, value in (("date of birth", self.birth_date), ("date of expiry", self.expiry_date)):
            if not _YYMMDD.match(value):
                raise InvalidAccessKey(f"{name} must be YYMMDD")

    @property
    def mrz_information(self) -> str:
        number = self.document_number.ljust(9, "<")
        return (
            number
            + check_digit(number)
            + self.birth_date
            + check_digit(self.birth_date)
            + self.expiry_date
            + check_digit(self.expiry_date)
        )

    def __repr__(self) -> str:  # keys never reach logs
        return "AccessKey(<redacted>)"


def _field(line: str, start: int, end: int) -> str:
    return line[start:end]


def _check(field: str, digit: str, name: str) -> None:
    if check_digit(field) != digit:
        raise InvalidMrz(f"check digit of the {name} does not match")


def _names(line: str) -> tuple[str, str]:
    surname, _, given = line.rstrip("<").partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def parse_mrz(text: str) -> Mrz:
    """Parse a TD1 (3 x 30) or TD3 (2 x 44) MRZ, with or without line breaks, checking every check digit."""
    compact = text.replace("\r", "").replace("\n", "").replace(" ", "").upper()
    if not re.fullmatch(r"[0-9A-Z<]+", compact or "-"):
        raise InvalidMrz("MRZ holds characters other than 0-9, A-Z and <")
    try:
        if len(compact) == 90:
            return _parse_td1(compact)
        if len(compact) == 88:
            return _parse_td3(compact)
    except InvalidAccessKey as exc:
        raise InvalidMrz(str(exc)) from exc
    raise InvalidMrz(f"MRZ of {len(compact)} characters is neither TD1 (90) nor TD3 (88)")


def _parse_td1(mrz: str) -> Mrz:
    l1, l2, l3 = mrz[:30], mrz[30:60], mrz[60:]
    number, optional = l1[5:14], l1[15:30]
    if l1[14] == "<" and optional.strip("<"):
        # Long document numbers continue in the optional data, ending with their check digit.
        rest = optional.rstrip("<")
        number, digit, optional = number + rest[:-1], rest[-1], ""
        _check(number, digit, "document number")
    else:
        _check(number, l1[14], "document number")
    _check(l2[0:6], l2[6], "date of birth")
    _check(l2[8:14], l2[14], "date of expiry")
    _check(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29], "MRZ (composite)")
    surname, given = _names(l3)
    return Mrz(
        l1[0:2].rstrip("<"),
        l1[2:5],
        number.rstrip("<"),
        optional.rstrip("<"),
        l2[0:6],
        l2[7],
        l2[8:14],
        l2[15:18],
        l2[18:29].rstrip("<"),
        surname,
        given,
        mrz,
    )


def _parse_td3(mrz: str) -> Mrz:
    l1, l2 = mrz[:44], mrz[44:]
    _check(l2[0:9], l2[9], "document number")
    _check(l2[13:19], l2[19], "date of birth")
    _check(l2[21:27], l2[27], "date of expiry")
    if l2[28:42].strip("<") or l2[42] not in "<0":
        _check(l2[28:42], l2[42], "personal number")
    _check(l2[0:10] + l2[13:20] + l2[21:43], l2[43], "MRZ (composite)")
    surname, given = _names(l1[5:])
    return Mrz(
        l1[0:2].rstrip("<"),
        l1[2:5],
        l2[0:9].rstrip("<"),
        l2[28:42].rstrip("<"),
        l2[13:19],
        l2[20],
        l2[21:27],
        l2[10:13],
        "",
        surname,
        given,
        mrz,
    )


def build_td1(
    *,
    personal_id: str,
    birth_date: str,
    sex: str,
    expiry_date: str,
    surname: str,
    given_names: str,
    nationality: str = "VNM",
    issuing_state: str = "VNM",
    document_code: str = "ID",
) -> str:
    """The CCCD's TD1 MRZ (90 characters, no line breaks) as card.md describes it."""
    number = personal_id[3:12]
    line1 = (
        document_code.ljust(2, "<")
        + issuing_state
        + number
        + check_digit(number)
        + personal_id
        + "<<"
        + check_digit(personal_id)
    ).ljust(30, "<")
    line2_head = birth_date + check_digit(birth_date) + sex + expiry_date + check_digit(expiry_date) + nationality
    line2_head = line2_head.ljust(29, "<")
    composite = line1[5:30] + line2_head[0:7] + line2_head[8:15] + line2_head[18:29]
    line2 = line2_head + check_digit(composite)
    name = (surname.upper().replace(" ", "<") + "<<" + given_names.upper().replace(" ", "<"))[:30]
    return line1 + line2 + name.ljust(30, "<")


# -- the access key from the CCCD QR code ------------------------------------------------------


def _anniversary(birth: dt.date, years: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # born 29 February: the milestone falls on 28 February in a common year
        return birth.replace(year=birth.year + years, day=28)


def card_expiry(birth: dt.date, issued: dt.date) -> dt.date | None:
    """Validity of a CCCD: the birthday at the next milestone age, skipping one that is less than
    two years away; None when no milestone is left (the card never expires)."""
    milestones = MILESTONES_2023 if issued >= LAW_2023_FROM else MILESTONES_2014
    age = issued.year - birth.year - ((issued.month, issued.day) < (birth.month, birth.day))
    upcoming = [m for m in milestones if m > age]
    if upcoming and upcoming[0] - 2 <= age:
        upcoming = upcoming[1:]
    return _anniversary(birth, upcoming[0]) if upcoming else None


def access_keys_from_qr(qr: CccdQrRecord, *, no_expiry: str = DEFAULT_NO_EXPIRY) -> list[AccessKey]:
    """Keys to try, in order: the 9-digit document number (ID[3:12]), then the full 12-digit ID.
    ``qr`` comes from ``hardware.qr.parse_cccd_qr``, the one parser of the card's QR code."""
    expiry = card_expiry(qr.date_of_birth, qr.issue_date)
    expiry_text = expiry.strftime("%y%m%d") if expiry else no_expiry
    birth_text = qr.date_of_birth.strftime("%y%m%d")
    return [
        AccessKey(qr.id_number[3:12], birth_text, expiry_text),
        AccessKey(qr.id_number, birth_text, expiry_text),
    ]


def yymmdd_to_date(value: str, *, future: bool) -> dt.date | None:
    """Expand YYMMDD; birth dates lie in the past, expiry dates may be up to 50 years ahead.
    ``None`` for the no-expiry marker or an impossible date."""
    if value == DEFAULT_NO_EXPIRY and future:
        return None
    try:
        yy, mm, dd = int(value[0:2]), int(value[2:4]), int(value[4:6])
        this_year = dt.date.today().year
        century = this_year // 100 * 100
        year = century + yy
        if future and year < this_year - 50:
            year += 100
        if not future and year > this_year:
            year -= 100
        return dt.date(year, mm, dd)
    except ValueError:
        return None
