"""The 12-digit personal ID: structure, consistency with sex and birth year, clear messages."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_schemas import personal_id
from shared_schemas.base import BaseSchema, PastDate, PersonalId, PersonName


@pytest.mark.parametrize(
    ("number", "sex", "year"),
    [
        ("001090012345", "male", 1990),
        ("001185006789", "female", 1985),
        ("079301004321", "female", 2001),
        ("001215000123", "male", 2015),
        ("096499000001", "male", 2199),
        ("001800000001", "male", 2300),
    ],
)
def test_parse_reads_century_sex_and_year(number, sex, year):
    parts = personal_id.parse(number)
    assert (parts.sex, parts.birth_year) == (sex, year)


@pytest.mark.parametrize("number", ["", "00109001234", "0010900123456", "00109001234a", "００１０９００１２３４５"])
def test_malformed_numbers_are_refused(number):
    with pytest.raises(personal_id.PersonalIdError, match="12 digits"):
        personal_id.parse(number)


def test_sex_mismatch_names_digit_4():
    with pytest.raises(personal_id.PersonalIdError, match="Digit 4 .* means male, but the person is female"):
        personal_id.validate("001090012345", sex="female")


def test_year_mismatch_names_digits_5_6():
    with pytest.raises(personal_id.PersonalIdError, match="Digits 5-6 .* are 90, but the person was born in 1991"):
        personal_id.validate("001090012345", date_of_birth=date(1991, 1, 1))


def test_century_mismatch_names_digit_4():
    with pytest.raises(personal_id.PersonalIdError, match="born in the 1900s, but the person was born in 2090"):
        personal_id.validate("001090012345", date_of_birth=date(2090, 1, 1))


def test_unknown_province_prefix_is_accepted_and_logged(caplog):
    caplog.set_level("INFO")
    assert personal_id.validate("999090012345", sex="male").province_code == "999"
    assert "unknown province prefix 999" in caplog.text


def test_province_table_has_the_63_codes():
    names = personal_id.province_names()
    assert len(names) == 63
    assert names["001"] == "Hà Nội"
    assert names["079"].endswith("Hồ Chí Minh")


@given(st.sampled_from(["male", "female"]), st.integers(1900, 2399), st.integers(0, 999_999))
def test_compose_then_validate_round_trips(sex, year, random_part):
    number = personal_id.compose("001", sex, year, f"{random_part:06d}")
    parts = personal_id.validate(number, sex=sex, date_of_birth=date(year, 6, 1))
    assert (parts.sex, parts.birth_year, parts.random_part) == (sex, year, f"{random_part:06d}")


class _Person(BaseSchema):
    personal_id = PersonalId(required=True)
    full_name = PersonName(required=True)
    date_of_birth = PastDate(required=True)


def test_schema_fields_validate_and_normalise():
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"  # NFD input from some keyboards
    loaded = _Person().load(
        {"personal_id": "001090012345", "full_name": f"  {decomposed} ", "date_of_birth": "1990-01-01"}
    )
    assert loaded["full_name"] == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("personal_id", "12345", "12 digits"),
        ("full_name", "Nguyễn Văn 4n", "letters"),
        ("full_name", "A", "between 2 and 100"),
        ("full_name", "<script>", "letters"),
        ("date_of_birth", "2999-01-01", "future"),
        ("date_of_birth", "1850-01-01", "before 1900"),
        ("date_of_birth", "31/12/1990", "Not a valid date"),
    ],
)
def test_schema_fields_refuse_bad_values(field, value, message):
    data = {"personal_id": "001090012345", "full_name": "Nguyễn Văn An", "date_of_birth": "1990-01-01", field: value}
    with pytest.raises(ma.ValidationError) as info:
        _Person().load(data)
    assert message in " ".join(info.value.messages[field])


@pytest.mark.parametrize(
    ("province", "random_part"),
    [
        ("001", "12345a"),
        ("001", "12 345"),
        ("001", "١٢٣٤٥٦"),
        ("001", "12345"),
        ("00a", "123456"),
        ("001", "-12345"),
    ],
)
def test_compose_refuses_non_digit_parts(province, random_part):
    """Issue 14: a personal ID is 12 ASCII digits; compose must not build anything else."""
    with pytest.raises(personal_id.PersonalIdError):
        personal_id.compose(province, "male", 1990, random_part)
    assert personal_id.compose("001", "male", 1990, "123456") == "001090123456"
