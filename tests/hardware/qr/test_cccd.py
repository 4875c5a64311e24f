from datetime import date

import pytest

from hardware.qr import NotACccdQr, UnreadableQr, format_cccd_qr, parse_cccd_qr
from shared_schemas.personal_id import FEMALE, MALE


def fields_of(payload: str) -> list[str]:
    return payload.split("|")


def with_field(payload: str, index: int, value: str) -> str:
    fields = fields_of(payload)
    fields[index] = value
    return "|".join(fields)


def test_parses_a_2021_card(card_payload):
    record = parse_cccd_qr(card_payload)
    assert record.id_number == "001190012345"
    assert record.old_id_number == "012345678"
    assert record.full_name == "Nguyễn Thị Ánh Tuyết"
    assert record.date_of_birth == date(1990, 3, 12)
    assert record.sex == FEMALE
    assert record.address.startswith("Số 12 Phố Hàng Bông")
    assert record.issue_date == date(2021, 4, 15)
    assert record.extra_fields == ()


def test_empty_old_id_is_none_and_male_2000s(card_payload):
    payload = "079203001122||Trần Văn Bình|05062003|Nam|Quận 1, TP. Hồ Chí Minh|01072021"
    record = parse_cccd_qr(payload)
    assert record.old_id_number is None
    assert record.sex == MALE
    assert record.date_of_birth == date(2003, 6, 5)


def test_2024_card_trailing_fields_are_kept(card_payload):
    record = parse_cccd_qr(card_payload + "|Nguyễn Văn Bố|Lê Thị Mẹ|")
    assert record.extra_fields == ("Nguyễn Văn Bố", "Lê Thị Mẹ", "")


def test_bytes_and_decomposed_text_are_normalized(card_payload):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", card_payload)
    assert parse_cccd_qr(decomposed) == parse_cccd_qr(card_payload.encode("utf-8"))
    assert parse_cccd_qr(decomposed).full_name == "Nguyễn Thị Ánh Tuyết"


def test_unknown_province_prefix_is_accepted_and_logged(card_payload, caplog):
    caplog.set_level("INFO", logger="shared_schemas.personal_id")
    record = parse_cccd_qr(with_field(card_payload, 0, "999190012345"))
    assert record.id_number == "999190012345"
    assert "unknown province prefix 999" in caplog.text
    assert "999190012345" not in caplog.text  # the ID itself is masked


def test_format_round_trip(card_payload):
    assert format_cccd_qr(parse_cccd_qr(card_payload)) == card_payload


def test_repr_masks_the_id(card_payload):
    assert "001190012345" not in repr(parse_cccd_qr(card_payload))


@pytest.mark.parametrize(
    "payload, error",
    [
        (b"\xff\xfe\x00", "not UTF-8"),
        ("", "empty"),
        ("   ", "empty"),
        ("Nguy\ufffdn", "replacement"),
    ],
)
def test_unreadable(payload, error):
    with pytest.raises(UnreadableQr, match=error):
        parse_cccd_qr(payload)


@pytest.mark.parametrize(
    "index, value, message",
    [
        (0, "00119001234", "field 1 .* 12 digits"),
        (0, "00119001234X", "field 1 .* 12 digits"),
        (0, "００１１９００１２３４５", "field 1 .* 12 digits"),  # full-width digits are not ASCII digits
        (1, "12345", "field 2"),
        (2, "", "field 3"),
        (2, "Nguyễn 2", "field 3"),
        (3, "1203199", "field 4 .* 8 digits"),
        (3, "31021990", "field 4 .* not a real date"),
        (3, "00000000", "field 4 .* not a real date"),
        (4, "Male", "field 5"),
        (6, "2021-04-15", "field 7 .* 8 digits"),
        (6, "15041989", "field 7 .* before field 4"),
    ],
)
def test_field_errors_name_the_field(card_payload, index, value, message):
    with pytest.raises(NotACccdQr, match=message):
        parse_cccd_qr(with_field(card_payload, index, value))


def test_too_few_fields(card_payload):
    with pytest.raises(NotACccdQr, match="at least 7 .* got 6"):
        parse_cccd_qr(card_payload.rsplit("|", 1)[0])


def test_control_characters_rejected(card_payload):
    with pytest.raises(NotACccdQr, match="control"):
        parse_cccd_qr(card_payload.replace("Hà Nội", "Hà\x00Nội"))


def test_sex_inconsistent_with_id_names_digit_4(card_payload):
    expected = r"Digit 4 \(century and sex\) is 1, which means female, but the person is male"
    with pytest.raises(NotACccdQr, match=expected):
        parse_cccd_qr(with_field(card_payload, 4, "Nam"))


def test_birth_year_inconsistent_with_id_names_the_year_digits(card_payload):
    with pytest.raises(NotACccdQr, match=r"Digits 5-6 \(birth year\) are 90, but the person was born in 1991"):
        parse_cccd_qr(with_field(card_payload, 3, "12031991"))


def test_century_inconsistent_with_id(card_payload):
    # Same last two digits, wrong century: digit 4 = 1 means the 1900s.
    with pytest.raises(NotACccdQr, match="means born in the 1900s, but the person was born in 2090"):
        parse_cccd_qr(with_field(with_field(card_payload, 3, "12032090"), 6, "15042100"))


def test_sex_is_checked_before_the_birth_year(card_payload):
    # shared_schemas.personal_id.validate reports the first contradiction it finds.
    with pytest.raises(NotACccdQr, match="Digit 4"):
        parse_cccd_qr(with_field(with_field(card_payload, 4, "Nam"), 3, "12031991"))
