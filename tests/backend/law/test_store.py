"""The legal-parameter store: every shipped parameter is dated and sourced; an administrator loads a new
version (a base salary, next year's holidays) with `flask law load`, it applies from its date and not before,
bad files are refused whole, and every load is audited."""

from __future__ import annotations

import json
from datetime import date

import pytest

from backend.health import coverage
from backend.law import store
from backend.residence.working_days import CalendarNotCovered, add_working_days


@pytest.fixture()
def law_app(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "LAW_DIR", str(tmp_path / "law"))
    return app


def _load(app, tmp_path, document, by="Nguyễn Văn Quản trị, Vụ Pháp chế"):
    path = tmp_path / "new-version.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["law", "load", str(path), "--by", by])


BASE_SALARY_2026 = {
    "parameters": {
        "health.base_salary": {
            "description": "Statutory base salary",
            "versions": [
                {
                    "effective_from": "2026-07-01",
                    "value": 2_530_000,
                    "source": "Nghị định (test fixture) Điều 3 khoản 2",
                }
            ],
        }
    }
}


def test_every_shipped_parameter_has_a_date_and_a_legal_source():
    versions = store.shipped()
    assert {v.name for v in versions} >= {
        "traffic.payment_days",
        "traffic.late_surcharge_per_day",
        "traffic.licence_points",
        "judicial.certificate_fees",
        "judicial.expungement_waiting",
        "judicial.never_automatic_chapters",
        "health.base_salary",
        "health.benefit_levels",
        "health.self_referred_share",
        "calendar.2026",
    }
    for version in versions:
        assert version.effective_from and len(version.source) >= 8 and version.origin == "shipped"


def test_a_loaded_base_salary_applies_from_its_date_only_and_is_audited(law_app, tmp_path):
    with law_app.app_context():
        assert coverage.low_cost_threshold(date(2026, 7, 1)) == 351_000
        result = _load(law_app, tmp_path, BASE_SALARY_2026)
        assert result.exit_code == 0, result.output
        assert coverage.low_cost_threshold(date(2026, 6, 30)) == 351_000
        assert coverage.low_cost_threshold(date(2026, 7, 1)) == 379_500  # 15 % of 2,530,000
        assert store.version("health.base_salary", date(2026, 7, 1)).origin.startswith("loaded ")
        listed = law_app.test_cli_runner().invoke(args=["law", "list", "--on", "2026-07-01"]).output
        assert "health.base_salary  from 2026-07-01  2530000" in listed and "Vụ Pháp chế" in listed
        audit = law_app.test_cli_runner().invoke(args=["law", "audit"]).output
        entry = json.loads(audit.splitlines()[-1])
        assert entry["by"].startswith("Nguyễn Văn Quản trị") and len(entry["sha256"]) == 64
        assert entry["versions"] == [["health.base_salary", "2026-07-01", "Nghị định (test fixture) Điều 3 khoản 2"]]


def test_next_years_holidays_are_loaded_without_a_code_change(law_app, tmp_path):
    calendar_2029 = {
        "parameters": {
            "calendar.2029": {
                "description": "Public holidays 2029",
                "versions": [
                    {
                        "effective_from": "2029-01-01",
                        "source": "Bộ luật Lao động 2019 Điều 112; test fixture",
                        "value": {
                            "days_off": [
                                {
                                    "date": "2029-01-01",
                                    "name": "Tết Dương lịch",
                                    "source": "Bộ luật Lao động 2019 Điều 112",
                                }
                            ],
                            "working_days": [],
                        },
                    }
                ],
            }
        }
    }
    with law_app.app_context():
        with pytest.raises(CalendarNotCovered):
            add_working_days(date(2028, 12, 28), 3)
        assert _load(law_app, tmp_path, calendar_2029).exit_code == 0
        assert add_working_days(date(2028, 12, 28), 3) == date(2029, 1, 3)  # Fri 29, (Mon 1 off) Tue 2, Wed 3


@pytest.mark.parametrize(
    "document",
    [
        {"parameters": {"health.salary_of_the_minister": BASE_SALARY_2026["parameters"]["health.base_salary"]}},
        {
            "parameters": {
                "health.base_salary": {
                    "description": "x y z",
                    "versions": [{"effective_from": "2026-07-01", "value": -5, "source": "Nghị định giả mạo"}],
                }
            }
        },
        {
            "parameters": {
                "health.base_salary": {
                    "description": "x y z",
                    "versions": [{"effective_from": "2026-07-01", "value": 2_530_000}],
                }
            }
        },  # no legal source
        {
            "parameters": {
                "traffic.late_surcharge_per_day": {
                    "description": "rate",
                    "versions": [{"effective_from": "2027-01-01", "value": [3, 2], "source": "Luật giả định Điều 78"}],
                }
            }
        },  # over 100 %
        {
            "parameters": {
                "calendar.2029": {
                    "description": "holidays",
                    "versions": [
                        {
                            "effective_from": "2029-01-01",
                            "source": "Bộ luật Lao động 2019 Điều 112",
                            "value": {
                                "days_off": [],
                                "working_days": [
                                    {"date": "2029-01-08", "name": "a Monday", "source": "Công văn giả định"}
                                ],
                            },
                        }
                    ],
                }
            }
        },
        {
            "parameters": {
                "calendar.2029": {
                    "description": "holidays",
                    "versions": [
                        {
                            "effective_from": "2029-01-01",
                            "source": "Bộ luật Lao động 2019 Điều 112",
                            "value": {
                                "days_off": [
                                    {"date": "2030-01-01", "name": "wrong year", "source": "Bộ luật Lao động"}
                                ],
                                "working_days": [],
                            },
                        }
                    ],
                }
            }
        },
        {"parameters": {}},
        {"laws": []},
    ],
)
def test_bad_files_are_refused_whole_and_change_nothing(law_app, tmp_path, document):
    with law_app.app_context():
        result = _load(law_app, tmp_path, document)
        assert result.exit_code != 0 and "refused" in result.output
        assert not (tmp_path / "law" / store.LOADED_FILE).exists()
        assert coverage.base_salary(date(2026, 7, 1)) == 2_340_000


def test_rules_refuse_a_day_no_version_covers():
    with pytest.raises(store.NotInForce):
        store.value("health.base_salary", date(2023, 6, 30))
