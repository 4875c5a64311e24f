"""Residence fixtures: an applicant in Hà Nội (ward 00088) with a household member, an owner in TP HCM
(ward 26740), an officer of that ward and one of another ward, and a logged-in API helper."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backend.core import clock
from backend.database import utcnow
from backend.registry.models import Household
from tests.backend.helpers import bearer, login


@pytest.fixture()
def people(factory, session):
    household = Household(household_number="HK-TEST-RES-1", ward_code="00088", street_address="Số 5 Phố Huế")
    session.add(household)
    session.flush()
    applicant = factory.citizen(full_name="Nguyễn Văn Ánh", household_id=household.id, relation_to_head="Chủ hộ")
    child = factory.citizen(
        full_name="Nguyễn Thị Hồng",
        sex="female",
        date_of_birth=date(2015, 4, 1),
        household_id=household.id,
        relation_to_head="Con",
    )
    owner = factory.citizen(
        full_name="Trần Thị Ngọc Ẩn",
        sex="female",
        date_of_birth=date(1970, 5, 6),
        ward_code="26740",
        province_code="79",
        birth_province="079",
    )
    stranger = factory.citizen(full_name="Lê Văn Đức", date_of_birth=date(1985, 9, 9))
    accounts = {
        "applicant": factory.account(applicant, level=2),
        "owner": factory.account(owner, level=2),
        "stranger": factory.account(stranger, level=2),
        "officer": factory.staff("officer", "26740"),
        "officer_province": factory.staff("officer", "79"),
        "officer_elsewhere": factory.staff("officer", "00088"),
    }
    return {"applicant": applicant, "child": child, "owner": owner, "stranger": stranger, "accounts": accounts}


@pytest.fixture()
def api(client, people):
    """api(who, method, path, **kwargs) -> response, logged in as one of the people's accounts."""
    tokens = {}

    def call(who, method, path, **kwargs):
        headers = kwargs.pop("headers", {})
        if who is not None:
            if who not in tokens:
                tokens[who] = login(client, people["accounts"][who].username)["access_token"]
            headers.update(bearer(tokens[who]))
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


@pytest.fixture()
def today():
    return clock.local_date(utcnow())


@pytest.fixture()
def application_body(people, today):
    return {
        "ward_code": "26740",
        "street": "Số 45 Đường Lê Lợi",
        "legal_basis": "tenancy",
        "owner_personal_id": people["owner"].personal_id,
        "reason": "Làm việc tại TP Hồ Chí Minh",
        "start_date": (today + timedelta(days=1)).isoformat(),
        "end_date": (today + timedelta(days=366)).isoformat(),
        "member_personal_ids": [people["child"].personal_id],
    }
