"""Administrative units on both sides of the 1/7/2025 reorganisation (63 -> 34 provinces, about 3,300
communes/wards, no districts): names on a date, the official succession, officers' jurisdictions, and ID
numbers that keep their historical province codes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backend.registry import units
from shared_schemas import personal_id

BEFORE, AFTER = date(2025, 6, 30), date(2025, 7, 1)


def test_both_generations_of_units_are_shipped_with_the_mapping():
    new = units.units_2025()
    assert sum(u["level"] == "province" for u in new.values()) == 34
    assert 3_300 <= sum(u["level"] == "ward" for u in new.values()) <= 3_330
    old_provinces = {code[1:] for code in personal_id.province_names()}  # birth code 0PP = unit code PP
    assert len(old_provinces) == 63
    assert {units.province_after(old) for old in old_provinces} == {
        code for code, unit in new.items() if unit["level"] == "province"
    }
    assert units.province_after("74") == units.province_after("77") == "79"  # Bình Dương, BR-VT -> TP HCM
    assert units.province_after("02") == "08"  # Hà Giang -> Tuyên Quang


@pytest.mark.parametrize(
    ("code", "on", "ward", "district", "province"),
    [
        ("00088", BEFORE, "Phường Hàng Bài", "Quận Hoàn Kiếm", "Thành phố Hà Nội"),
        ("00088", AFTER, "Phường Cửa Nam", None, "Thành phố Hà Nội"),
        ("26740", BEFORE, "Phường Bến Nghé", "Quận 1", "Thành phố Hồ Chí Minh"),
        ("26740", AFTER, "Phường Sài Gòn", None, "Thành phố Hồ Chí Minh"),
    ],
)
def test_a_place_is_named_with_the_units_valid_on_the_day(code, on, ward, district, province):
    place = units.place_on(code, on)
    assert (place.ward_name, place.district_name, place.province_name) == (ward, district, province)


def test_a_ward_the_source_cannot_map_keeps_its_name_marked_under_todays_province():
    place = units.place_on("00010", AFTER)  # merged away before 2025; no successor in the source
    assert place.ward_name == "Phường Nguyễn Trung Trực (trước 01/07/2025)"
    assert place.province_name == "Thành phố Hà Nội" and place.district_name is None


def test_jurisdictions_follow_the_succession_from_1_7_2025():
    assert units.jurisdiction("79", BEFORE) == {"79"}
    assert units.jurisdiction("79", AFTER) >= {"74", "77", "79"}
    assert units.jurisdiction("00088", BEFORE) == {"00088"}
    assert units.jurisdiction("00088", AFTER) >= {"00082", "00085", "00088"}
    assert "00070" not in units.jurisdiction("00088", AFTER)  # Hàng Trống went to Phường Hoàn Kiếm


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (datetime(2025, 6, 30, 9, tzinfo=UTC), 403),  # Trần Hưng Đạo is not the Hàng Bài officer's ward
        (datetime(2025, 7, 1, 9, tzinfo=UTC), 200),  # both are Phường Cửa Nam now
    ],
)
def test_an_officers_scope_resolves_to_the_units_valid_on_the_day(
    client, factory, auth_headers, app, monkeypatch, day, status
):
    monkeypatch.setitem(app.config, "CLOCK", lambda: day)
    citizen = factory.citizen(full_name="Phạm Thị Cửa", sex="female", ward_code="00082")
    officer = auth_headers(factory.staff("officer", "00088"))
    response = client.get(f"/api/v1/citizens/{citizen.personal_id}?purpose=identity+check", headers=officer)
    assert response.status_code == status, response.json


@pytest.mark.parametrize("code", ["002", "074", "077", "035", "096"])
def test_id_numbers_keep_historical_province_codes(code):
    """The 12-digit ID records where the birth was registered; merged provinces' codes stay valid."""
    number = personal_id.compose(code, "female", 1990, "123456")
    assert personal_id.validate(number, sex="female", date_of_birth=date(1990, 4, 1)).province_code == code
    assert code in personal_id.province_names()  # its historical name stays known
