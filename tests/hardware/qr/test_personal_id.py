"""The personal-ID rules the QR parsers rely on; they live in shared_schemas (shared with the backend)."""

import pytest

from shared_schemas.personal_id import (
    FEMALE,
    MALE,
    PersonalIdError,
    parse,
    sex_from_vietnamese,
    validate,
    vietnamese_sex,
)
from shared_schemas.text import mask_personal_id


@pytest.mark.parametrize(
    "number, sex, year",
    [
        ("001090123456", MALE, 1990),
        ("001190123456", FEMALE, 1990),
        ("079203001122", MALE, 2003),
        ("079305001122", FEMALE, 2005),
        ("096412000000", MALE, 2112),
        ("096799000000", FEMALE, 2299),
        ("096900000000", FEMALE, 2300),
    ],
)
def test_structure(number, sex, year):
    parts = parse(number)
    assert (parts.province_code, parts.sex, parts.birth_year) == (number[:3], sex, year)


def test_structure_needs_twelve_ascii_digits():
    for number in ("0011900123", "００１１９００１２３４５", "00119001234a"):
        with pytest.raises(PersonalIdError):
            parse(number)


def test_consistency_check_names_the_digit():
    with pytest.raises(PersonalIdError, match="Digit 4"):
        validate("001090012345", sex=FEMALE)


@pytest.mark.parametrize("word, sex", [("Nam", MALE), ("NAM", MALE), ("Nữ", FEMALE), ("nữ", FEMALE), ("Nu", None)])
def test_sex_from_vietnamese(word, sex):
    assert sex_from_vietnamese(word) == sex


def test_sex_from_vietnamese_accepts_decomposed_text():
    import unicodedata

    assert sex_from_vietnamese(unicodedata.normalize("NFD", "Nữ")) == FEMALE
    assert (vietnamese_sex(MALE), vietnamese_sex(FEMALE)) == ("Nam", "Nữ")


@pytest.mark.parametrize(
    "number, masked",
    [("001190012345", "0011******45"), ("012345678", "0123***78"), ("1234", "****"), ("", "")],
)
def test_mask(number, masked):
    assert mask_personal_id(number) == masked
