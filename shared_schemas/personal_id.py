"""The 12-digit personal identification number (số định danh cá nhân): PPP G YY RRRRRR.

PPP is the province where the birth was registered (or a country code for births abroad), G encodes
century and sex, YY the last two digits of the birth year (Decree 137/2015/NĐ-CP Art. 13,
Circular 07/2016/TT-BCA). Unknown province prefixes are accepted: the 2023 law only fixes 12 digits.
"""

from __future__ import annotations

import csv
import functools
import logging
import unicodedata
from dataclasses import dataclass
from datetime import date
from importlib import resources

log = logging.getLogger(__name__)

MALE = "male"
FEMALE = "female"


class PersonalIdError(ValueError):
    """The number is malformed or contradicts the person's data; the message says which part."""


@dataclass(frozen=True)
class PersonalIdParts:
    province_code: str
    sex: str
    birth_year: int
    random_part: str

    @property
    def century(self) -> int:
        return self.birth_year // 100 * 100


@functools.cache
def province_names() -> dict[str, str]:
    """Birth-registration province codes (063 of them) -> Vietnamese name."""
    with resources.files("shared_schemas").joinpath("data/province_codes.csv").open(encoding="utf-8") as fh:
        return {row["code"]: row["name_vi"] for row in csv.DictReader(fh)}


def parse(number: str) -> PersonalIdParts:
    """Split a 12-digit number into its parts; raises PersonalIdError if it is not 12 digits."""
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise PersonalIdError("A personal ID number has exactly 12 digits.")
    g = int(number[3])
    century = (g // 2 + 19) * 100
    sex = FEMALE if g % 2 else MALE
    return PersonalIdParts(
        province_code=number[:3],
        sex=sex,
        birth_year=century + int(number[4:6]),
        random_part=number[6:],
    )


def century_sex_digit(sex: str, birth_year: int) -> int:
    century_index = birth_year // 100 - 19
    if not 0 <= century_index <= 4:
        raise PersonalIdError(f"Birth year {birth_year} is outside the range the number can encode.")
    return century_index * 2 + (1 if sex == FEMALE else 0)


def validate(number: str, *, sex: str | None = None, date_of_birth: date | None = None) -> PersonalIdParts:
    """Check the structure, and its consistency with the person's sex and birth year when given."""
    parts = parse(number)
    if parts.province_code not in province_names():
        # Births registered abroad carry a country code; never reject a real card for its prefix.
        log.info("personal ID with unknown province prefix %s", parts.province_code)
    if sex is not None and sex != parts.sex:
        raise PersonalIdError(
            f"Digit 4 (century and sex) is {number[3]}, which means {parts.sex}, but the person is {sex}."
        )
    if date_of_birth is not None:
        if date_of_birth.year % 100 != parts.birth_year % 100:
            raise PersonalIdError(
                f"Digits 5-6 (birth year) are {number[4:6]}, but the person was born in {date_of_birth.year}."
            )
        if date_of_birth.year // 100 * 100 != parts.century:
            raise PersonalIdError(
                f"Digit 4 (century and sex) is {number[3]}, which means born in the {parts.century}s, "
                f"but the person was born in {date_of_birth.year}."
            )
    return parts


def compose(province_code: str, sex: str, birth_year: int, random_part: str) -> str:
    """Build a number from its parts (used by the registry and the demo seeder)."""
    if not (
        len(province_code) == 3
        and province_code.isascii()
        and province_code.isdigit()
        and len(random_part) == 6
        and random_part.isascii()
        and random_part.isdigit()
    ):
        raise PersonalIdError("Province code has 3 digits and the random part 6 (digits 0-9 only).")
    return f"{province_code}{century_sex_digit(sex, birth_year)}{birth_year % 100:02d}{random_part}"


#: How the card and its QR code write the sex: Nam (male), Nữ (female).
_VIETNAMESE_SEX = {MALE: "Nam", FEMALE: "Nữ"}


def sex_from_vietnamese(word: str) -> str | None:
    """'Nam' -> MALE, 'Nữ' -> FEMALE (any case, NFC or not); None for anything else."""
    folded = unicodedata.normalize("NFC", word.strip()).casefold()
    return next((sex for sex, vi in _VIETNAMESE_SEX.items() if vi.casefold() == folded), None)


def vietnamese_sex(sex: str) -> str:
    """MALE -> 'Nam', FEMALE -> 'Nữ', as printed on the card."""
    return _VIETNAMESE_SEX[sex]
