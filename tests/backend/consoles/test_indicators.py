"""The Project 06 dashboard: rates computed from the records themselves, a drill-down from each lost point to its
cases, CSV/XLSX exports, and who sees which area (a province's leader only that province; administrators all;
commune officers, hospital staff and citizens not at all)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from backend.audit.models import AuditEvent
from backend.consoles import indicators_data as data
from backend.consoles import indicators_report as figures
from backend.core import clock
from backend.judicial.models import CertificateRequest
from backend.residence.models import ResidenceApplication
from tests.backend.consoles.web import sign_in


@pytest.fixture(autouse=True)
def _http_cookies(app, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_COOKIE_SECURE", False)


def _application(factory, citizen, *, due_in: int, decided: bool, status="approved") -> ResidenceApplication:
    now, today = clock.now(), clock.today()
    application = ResidenceApplication(
        kind="registration",
        applicant_citizen_id=citizen.id,
        ward_code=citizen.permanent_ward_code,
        province_code=citizen.permanent_province_code,
        street="Số 2 Phố Mẫu",
        street_folded="so 2 pho mau",
        legal_basis="owner",
        reason="Làm việc",
        start_date=today,
        end_date=today + timedelta(days=365),
        status=status if decided else "under_review",
        submitted_at=now,
        received_at=now,
        due_on=today + timedelta(days=due_in),
        decided_at=now if decided else None,
    )
    factory.session.add(application)
    factory.session.flush()
    return application


def _certificate(factory, citizen, *, delivery: str) -> CertificateRequest:
    now = clock.now()
    request = CertificateRequest(
        number=f"LLTP-{citizen.id:08d}",
        requester_account_id=factory.account(citizen, level=2).id,
        subject_citizen_id=citizen.id,
        certificate_type=1,
        purpose="Xin việc",
        copies=1,
        delivery=delivery,
        postal_address="Số 5 Phố Huế" if delivery == "post" else None,
        fee_category="standard",
        fee_amount=200_000,
        status="issued",
        requested_at=now,
        paid_at=now,
        due_on=clock.today() + timedelta(days=10),
        issued_at=now,
        document_id="0" * 36 if delivery == "electronic" else "1" * 36,
    )
    factory.session.add(request)
    factory.session.flush()
    return request


@pytest.fixture()
def events(factory):
    hanoi = [factory.citizen(full_name=f"Người Hà Nội {i}") for i in range(4)]
    saigon = factory.citizen(full_name="Người Sài Gòn", ward_code="26740", province_code="79", birth_province="079")
    return {
        "on_time": _application(factory, hanoi[0], due_in=3, decided=True),
        "late": _application(factory, hanoi[1], due_in=-2, decided=True),
        "overdue": _application(factory, hanoi[2], due_in=-1, decided=False),
        "saigon_late": _application(factory, saigon, due_in=-4, decided=True),
        "by_post": _certificate(factory, hanoi[3], delivery="post"),
        "level2": factory.account(hanoi[0], level=2),
    }


def _rate(result, key):
    return result.series[key][-1]


def test_rates_are_computed_from_the_records(session, events):
    scope = figures.Scope("01", None, "01")
    result = figures.report(session=session, scope=scope, kind="month", at=None)
    on_time = _rate(result, data.ON_TIME)
    # Hà Nội: two residence decisions on time (one early, the certificate), one late, one still open and overdue.
    assert (on_time.ok, on_time.total) == (2, 4)
    e_results = _rate(result, data.E_RESULTS)
    assert (e_results.ok, e_results.total) == (2, 3)  # two approvals (e-notices), one certificate by post only
    online = _rate(result, data.ONLINE)
    assert online.total == 4 and online.ok == 4
    national = figures.report(session=session, scope=figures.Scope(None, None, None), kind="week", at=None)
    assert _rate(national, data.ON_TIME).total == 5 and {code for code, _, _ in national.areas} >= {"01", "79"}


def test_level2_activation_counts_living_citizens_of_age_by_residence(session, factory, events):
    factory.citizen(full_name="Trẻ Em", date_of_birth=clock.today().replace(year=clock.today().year - 10))
    factory.citizen(full_name="Đã Mất", deceased_on=clock.today() - timedelta(days=3))
    result = figures.report(session=session, scope=figures.Scope("01", None, "01"), kind="month", at=None)
    level2 = _rate(result, data.LEVEL2)
    # Four living adults in Hà Nội; two hold level 2 (one applicant, one certificate requester). The child and
    # the deceased are not counted; neither is the Sài Gòn citizen.
    assert (level2.ok, level2.total) == (2, 4)


def test_a_province_leader_drills_down_to_the_late_cases_of_their_province_only(app, session, factory, events):
    web = sign_in(app, factory.staff("officer", "01"))
    html = web.get("/console/indicators/").get_data(as_text=True)
    assert "Tỷ lệ giải quyết đúng hạn" in html and "Cách tính" in html and "<svg" in html
    assert "2 điểm mất" in html
    lost = web.get("/console/indicators/on_time/lost").get_data(as_text=True)
    assert f"TT-{events['late'].id}" in lost and f"TT-{events['overdue'].id}" in lost
    assert f"TT-{events['on_time'].id}" not in lost
    assert f"TT-{events['saigon_late'].id}" not in lost  # another province's case
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.record_type == "project06-cases")
        )
        >= 1
    )  # seeing the cases behind a rate is audited
    assert web.get("/console/indicators/?province=79").status_code == 403
    assert web.get("/console/indicators/on_time/lost?province=79").status_code == 403
    assert web.get("/console/indicators/on_time/lost?ward=26740").status_code in (403, 404)
    paper = web.get("/console/indicators/e_results/lost").get_data(as_text=True)
    assert events["by_post"].number in paper


def test_exports_carry_the_same_figures_and_cases(app, factory, events):
    web = sign_in(app, factory.staff("officer", "01"))
    summary = web.get("/console/indicators/export.csv").get_data(as_text=True)
    assert summary.startswith("\ufeffarea_code,") and ",on_time,2,4,50.0" in summary
    cases = web.get("/console/indicators/on_time/lost.csv").get_data(as_text=True)
    assert f"TT-{events['late'].id}" in cases and f"TT-{events['saigon_late'].id}" not in cases
    response = web.get("/console/indicators/on_time/lost.xlsx")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.data)).active
    refs = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert refs == {f"TT-{events['late'].id}", f"TT-{events['overdue'].id}"}


def test_administrators_see_every_province(app, factory, events):
    web = sign_in(app, factory.staff("admin"))
    html = web.get("/console/indicators/?period=week").get_data(as_text=True)
    assert "Toàn quốc" in html
    lost = web.get("/console/indicators/on_time/lost?period=week").get_data(as_text=True)
    assert f"TT-{events['saigon_late'].id}" in lost and f"TT-{events['late'].id}" in lost
    assert web.get("/console/indicators/?province=79&period=week").status_code == 200


@pytest.mark.parametrize(("role", "scope"), [("officer", "00088"), ("hospital_staff", "BV-TEST")])
def test_commune_officers_and_hospital_staff_do_not_get_in(app, factory, role, scope):
    web = sign_in(app, factory.staff(role, scope))
    assert web.get("/console/indicators/").status_code in (302, 403)
    assert web.get("/console/indicators/on_time/lost.csv").status_code in (302, 403)


def test_bad_query_parameters_are_a_clear_400(app, factory):
    web = sign_in(app, factory.staff("admin"))
    assert web.get("/console/indicators/?period=year").status_code == 400
    assert web.get("/console/indicators/no_such/lost").status_code == 404


def test_csv_cells_never_start_a_formula():
    body = figures.to_csv(("a",), [("=HYPERLINK(1)",)]).decode("utf-8")
    assert "'=HYPERLINK" in body
