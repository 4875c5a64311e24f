"""MRZ (TD1 / TD3), the access key from an MRZ or from the CCCD QR, and the card-validity rule (card.md)."""

import datetime as dt

import pytest

from hardware.qr import NotACccdQr, parse_cccd_qr
from hardware.smartcard.errors import InvalidAccessKey, InvalidMrz
from hardware.smartcard.mrz import (
    AccessKey,
    access_keys_from_qr,
    build_td1,
    card_expiry,
    parse_mrz,
)

D = dt.date


def test_build_and_parse_cccd_td1():
    text = build_td1(
        personal_id="001090123456",
        birth_date="900101",
        sex="M",
        expiry_date="300101",
        surname="Nguyen",
        given_names="Van An",
    )
    assert len(text) == 90
    assert text[:30] == "IDVNM0901234562001090123456<<3"
    mrz = parse_mrz(text[:30] + "\n" + text[30:60] + "\n" + text[60:])
    assert mrz.document_number == "090123456"
    assert mrz.personal_id == "001090123456"
    assert (mrz.birth_date, mrz.expiry_date, mrz.sex) == ("900101", "300101", "M")
    assert (mrz.surname, mrz.given_names) == ("NGUYEN", "VAN AN")
    assert mrz.access_key().mrz_information == "0901234562" + "9001011" + "3001019"


def test_td3_specimen():
    # ICAO 9303 Part 4 specimen passport (Anna Maria Eriksson, Utopia)
    mrz = parse_mrz("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10")
    assert (mrz.document_number, mrz.birth_date, mrz.expiry_date) == ("L898902C3", "740812", "120415")
    assert mrz.given_names == "ANNA MARIA"


@pytest.mark.parametrize("position", [14, 36, 44, 59])
def test_wrong_check_digit(position):
    text = build_td1(
        personal_id="001090123456",
        birth_date="900101",
        sex="M",
        expiry_date="300101",
        surname="A",
        given_names="B",
    )
    broken = text[:position] + str((int(text[position]) + 1) % 10) + text[position + 1 :]
    with pytest.raises(InvalidMrz):
        parse_mrz(broken)


@pytest.mark.parametrize("text", ["", "IDVNM", "x" * 90, "Ä" * 90])
def test_not_an_mrz(text):
    with pytest.raises(InvalidMrz):
        parse_mrz(text)


@pytest.mark.parametrize(
    "number, birth, expiry",
    [
        ("", "900101", "300101"),
        ("09012345a", "900101", "300101"),
        ("090123456", "1990-01-01", "300101"),
        ("090123456", "900101", "3001"),
    ],
)
def test_access_key_validation(number, birth, expiry):
    with pytest.raises(InvalidAccessKey):
        AccessKey(number, birth, expiry)


def test_access_key_is_redacted():
    assert "090123456" not in repr(AccessKey("090123456", "900101", "300101"))


@pytest.mark.parametrize(
    "birth, issued, expiry",
    [
        (D(1985, 5, 10), D(2024, 8, 1), D(2045, 5, 10)),  # 39 at issue: 40 is < 2 years away -> 60
        (D(1985, 5, 10), D(2003, 6, 1), D(2010, 5, 10)),  # 18 -> 25
        (D(1985, 5, 10), D(2008, 11, 10), D(2025, 5, 10)),  # 23.5, 2014 law: 25 < 2 years away -> 40
        (D(1985, 5, 10), D(2043, 11, 10), None),  # 58.5 -> never expires
        (D(2013, 3, 1), D(2024, 7, 1), D(2027, 3, 1)),  # 11 under the 2023 law: milestone 14
        (D(2013, 3, 1), D(2024, 6, 30), D(2038, 3, 1)),  # same age, issued the day before the 2023 law: 25
        (D(2012, 3, 1), D(2024, 7, 1), D(2037, 3, 1)),  # 12: 14 is less than 2 years away -> 25
        (D(2000, 2, 29), D(2020, 1, 1), D(2025, 2, 28)),  # a 29 February birthday in a common year
    ],
)
def test_card_validity_rule(birth, issued, expiry):
    assert card_expiry(birth, issued) == expiry


def test_keys_from_qr_nine_then_twelve_digits():
    qr = parse_cccd_qr("001090123456|012345678|Nguyễn Văn An|01011990|Nam|Số 1 Phố Huế, Hà Nội|15042021")
    nine, twelve = access_keys_from_qr(qr)
    assert (nine.document_number, nine.birth_date, nine.expiry_date) == ("090123456", "900101", "300101")
    assert twelve.document_number == "001090123456"


def test_qr_no_expiry_marker_is_configurable():
    qr = parse_cccd_qr("001050123456||Nguyễn Văn Cụ|01011950|Nam|Hà Nội|01012015")
    assert access_keys_from_qr(qr)[0].expiry_date == "991231"
    assert access_keys_from_qr(qr, no_expiry="000000")[0].expiry_date == "000000"


def test_qr_extra_fields_are_tolerated():
    qr = parse_cccd_qr("001090123456||Nguyễn Văn An|01011990|Nam|Hà Nội|15042021|extra|more")
    assert access_keys_from_qr(qr)[0].expiry_date == "300101"


@pytest.mark.parametrize(
    "text",
    [
        "001090123456|x|y",
        "00109012345|a|b|01011990|Nam|x|15042021",
        "001090123456|a|b|31021990|Nam|x|15042021",
    ],
)
def test_bad_qr_gives_no_key(text):
    # One parser of the card QR (hardware.qr.cccd): a QR it refuses never reaches key derivation.
    with pytest.raises(NotACccdQr):
        parse_cccd_qr(text)
