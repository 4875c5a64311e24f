"""The officer console's traffic pages: catalogue search by code or words, recording a violation through the
API's schema and service (a resubmitted form records once), and the plate and licence look-ups showing points
and suspension, each look-up in the citizen's access log."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.registry.models import DrivingLicence, Vehicle
from backend.traffic.models import PenaltyDecision
from tests.backend.consoles.conftest import csrf_of

TRAFFIC = "/console/officer/traffic"


@pytest.fixture()
def road(factory, session):
    driver = factory.citizen(full_name="Phạm Văn Lái")
    session.add_all(
        [
            Vehicle(
                plate="30A12345", kind="car", brand="Toyota", owner_citizen_id=driver.id, registered_on=date(2020, 1, 1)
            ),
            DrivingLicence(number="010000000777", licence_class="B", citizen_id=driver.id, issued_on=date(2015, 1, 1)),
        ]
    )
    session.flush()
    return driver


def _record_form(web, code="OTO-DEN-DO"):
    html = web.get(f"{TRAFFIC}/record", query_string={"code": code}).get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    return html, {"csrf_token": csrf_of(html), "idempotency_key": key}


def _fields(**extra):
    return {
        "violation_code": "OTO-DEN-DO",
        "detected_by": "officer",
        "occurred_date": "2026-11-30",
        "occurred_time": "08:15",
        "place": "Ngã tư Tràng Thi – Phố Huế",
        "ward_code": "00088",
        "plate": "30A-123.45",
        "licence_number": "010000000777",
        **extra,
    }


def test_catalogue_search_by_words_ignores_accents_and_finds_by_code(sign_in, factory):
    web = sign_in(factory.staff("officer", "00088"))
    accented = web.get(TRAFFIC + "/", query_string={"q": "đèn tín hiệu"}).get_data(as_text=True)
    assert "OTO-DEN-DO" in accented and "XM-DEN-DO" in accented and "TOC-DO" not in accented
    unaccented = web.get(TRAFFIC + "/", query_string={"q": "toc do"}).get_data(as_text=True)
    assert "OTO-TOC-DO-5-10" in unaccented and "XM-TOC-DO-TREN-20" in unaccented and "DEN-DO" not in unaccented
    by_code = web.get(TRAFFIC + "/", query_string={"q": "xm-con"}).get_data(as_text=True)
    assert "XM-CON-MUC-1" in by_code and "OTO-CON-MUC-1" not in by_code
    english = web.get(TRAFFIC + "/", query_string={"q": "red light"}).get_data(as_text=True)
    assert "OTO-DEN-DO" in english


def test_recording_a_violation_decides_it_once_even_if_the_form_is_sent_twice(sign_in, factory, road, session):
    web = sign_in(factory.staff("officer", "00088"))
    html, hidden = _record_form(web)
    assert "Không chấp hành hiệu lệnh của đèn tín hiệu" in html and 'value="00088"' in html
    first = web.post(TRAFFIC + "/record", data={**hidden, **_fields()})
    assert first.status_code == 302, first.get_data(as_text=True)
    again = web.post(TRAFFIC + "/record", data={**hidden, **_fields()})
    assert again.headers["Location"] == first.headers["Location"]
    decisions = session.scalars(sa.select(PenaltyDecision).where(PenaltyDecision.plate == "30A12345")).all()
    assert len(decisions) == 1 and decisions[0].points_deducted == 4
    page = web.get(first.headers["Location"]).get_data(as_text=True)
    assert decisions[0].number in page and "19.000.000 đ" in page


@pytest.mark.parametrize(
    ("changes", "field_vi"),
    [
        ({"ward_code": "26740"}, None),  # another province: refused as outside the jurisdiction
        ({"plate": "not a plate"}, "Biển số không hợp lệ"),
        ({"place": ""}, "Hãy ghi nơi vi phạm"),
        ({"occurred_time": "25:99"}, "Thời điểm vi phạm không hợp lệ"),
        ({"fine_amount": "1.000"}, "Mức phạt phải nằm trong khung"),
        ({"violation_code": "KHONG-CO"}, "Mã hành vi không có"),
    ],
)
def test_bad_recording_is_a_clear_bilingual_error_and_records_nothing(
    sign_in, factory, road, session, changes, field_vi
):
    web = sign_in(factory.staff("officer", "00088"))
    _html, hidden = _record_form(web)
    response = web.post(TRAFFIC + "/record", data={**hidden, **_fields(**changes)})
    html = response.get_data(as_text=True)
    if field_vi is None:
        assert response.status_code == 403 and "ngoài địa bàn" in html
    else:
        assert response.status_code == 422 and field_vi in html and 'role="alert"' in html
    assert session.scalar(sa.select(sa.func.count()).select_from(PenaltyDecision)) == 0


def test_plate_and_licence_look_ups_show_points_and_are_audited(sign_in, factory, road, session):
    web = sign_in(factory.staff("officer", "79"))  # a look-up works anywhere in the country
    by_plate = web.get(TRAFFIC + "/lookup", query_string={"plate": "30A-123.45", "purpose": "Dừng xe kiểm tra"})
    html = by_plate.get_data(as_text=True)
    assert by_plate.status_code == 200 and "Phạm Văn Lái" in html and "12 / 12" in html and "Còn hiệu lực" in html
    by_licence = web.get(TRAFFIC + "/lookup", query_string={"licence": "010000000777", "purpose": "Dừng xe"})
    assert "010000000777" in by_licence.get_data(as_text=True)
    trail = session.scalars(
        sa.select(AuditEvent.record_type).where(AuditEvent.subject_citizen_id == road.id, AuditEvent.action == "read")
    ).all()
    assert sorted(trail) == ["driving-licence", "vehicle"]


def test_look_up_needs_a_purpose_and_a_well_formed_plate(sign_in, factory, road):
    web = sign_in(factory.staff("officer", "01"))
    no_purpose = web.get(TRAFFIC + "/lookup", query_string={"plate": "30A-123.45"})
    assert no_purpose.status_code == 422 and "mục đích" in no_purpose.get_data(as_text=True)
    unknown = web.get(TRAFFIC + "/lookup", query_string={"plate": "99Z-999.99", "purpose": "Dừng xe"})
    assert unknown.status_code == 404 and "Phạm Văn Lái" not in unknown.get_data(as_text=True)
