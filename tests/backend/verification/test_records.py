"""Column recognition, row normalisation and comparison (pure functions)."""

from __future__ import annotations

import pytest

from backend.verification.records import (
    HeaderError,
    Normaliser,
    compare,
    id_consistency_problem,
    id_structure_problem,
    map_header,
)

REGISTRY = (7, "Nguyễn Văn An", "nguyen van an", "1990-01-01", "male", "123456789", "01", None)


def test_header_aliases_in_vietnamese_and_english():
    columns = map_header(["\ufeffSố định danh", "Họ tên", "Ngày sinh", "Giới tính", "Số CMND", "Mã tỉnh", "x"])
    assert columns.width == 7 and columns.positions == (0, 1, 2, 3, 4, 5)
    assert map_header(["personal_id", "full_name", "date_of_birth", "sex"]).positions[4:] == (None, None)


def test_header_missing_or_ambiguous_columns():
    with pytest.raises(HeaderError, match="missing: date_of_birth, sex"):
        map_header(["personal_id", "full_name"])
    with pytest.raises(HeaderError, match="look like full_name"):
        map_header(["personal_id", "name", "full_name", "dob", "sex"])


@pytest.fixture()
def normaliser():
    return Normaliser(map_header(["personal_id", "full_name", "date_of_birth", "sex", "old_id", "province"]))


@pytest.mark.parametrize(
    "raw", ["1990-01-01", "01/01/1990", "1/1/1990", "01-01-1990", "01.01.1990", "1990-01-01 00:00:00"]
)
def test_date_formats(normaliser, raw):
    assert normaliser.row(["001090012345", "An", raw, "Nam", "", ""])[2] == "1990-01-01"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (["001090012345", "An", "31/02/1990", "Nam", "", ""], "is not a date"),
        (["001090012345", "An", "", "Nam", "", ""], "date_of_birth is empty"),
        (["001090012345", "An", "1990-01-01", "X", "", ""], "sex 'X'"),
        (["", "An", "1990-01-01", "Nam", "", ""], "personal_id is empty"),
        (["001090012345", "  ", "1990-01-01", "Nam", "", ""], "full_name is empty"),
        (["001090012345", "An", "1990-01-01", "Nam", "12", ""], "old_id_number '12'"),
        (["001090012345", "An", "1990-01-01", "Nam", "", "HN"], "permanent_province_code 'HN'"),
        (["001090012345", "An"], "expected 6 columns, found 2"),
    ],
)
def test_malformed_rows_say_why(normaliser, fields, reason):
    assert reason in normaliser.row(fields)


def test_normalises_name_sex_and_province(normaliser):
    decomposed = "Nguye\u0302\u0303n  Va\u0306n An"  # NFD input with a double space
    record = normaliser.row([" 001090012345 ", decomposed, "1990-01-01", "nữ", "", "1"])
    assert record == ("001090012345", "Nguyễn Văn An".replace("Văn", "Văn"), "1990-01-01", "female", "", "01")


def test_compare_outcomes():
    base = ("001090012345", "Nguyễn Văn An", "1990-01-01", "male", "", "")
    assert compare(base, REGISTRY) == ("match", ())
    assert compare(base[:1] + ("NGUYỄN VĂN AN",) + base[2:], REGISTRY) == ("match", ())  # case only
    assert compare(base[:1] + ("Nguyen Van An",) + base[2:], REGISTRY) == ("match", ("full_name_accents",))
    assert compare(base[:1] + ("Nguyễn Văn Anh",) + base[2:], REGISTRY) == ("mismatch", ("full_name",))
    wrong = ("001090012345", "Nguyen Van An", "1990-01-02", "female", "987654321", "79")
    assert compare(wrong, REGISTRY) == (
        "mismatch",
        ("full_name_accents", "date_of_birth", "sex", "old_id_number", "permanent_province_code"),
    )
    assert compare(base, REGISTRY[:7] + ("2024-05-01",)) == ("deceased", ())


def test_invalid_id_reasons():
    assert id_structure_problem("00109001234") == "A personal ID number has exactly 12 digits."
    assert id_structure_problem("00109001234x") and id_structure_problem("００１090012345")
    assert id_structure_problem("001090012345") is None
    assert id_consistency_problem("001090012345", "female", "1990-01-01")[0] == "id_sex_digit"
    assert id_consistency_problem("001090012345", "male", "1991-01-01")[0] == "id_birth_year"
    assert id_consistency_problem("001090012345", "male", "1890-01-01")[0] == "id_century"
    assert id_consistency_problem("001090012345", "male", "1990-06-01") is None
