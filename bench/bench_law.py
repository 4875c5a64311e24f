"""Cost of evaluating the law as dated data: parameter look-ups (shipped only, and with an administrator's
LAW_DIR to stat), payment deadlines over holidays, residence working-day deadlines, expungement, BHYT coverage,
and naming an address / resolving a jurisdiction with the units of a date.

    python bench/bench_law.py [--seconds 1]

Prints operations per second and microseconds per operation for each, single-threaded, in-process.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from backend import create_app
from backend.health import coverage
from backend.judicial import expungement
from backend.law import store
from backend.registry import units
from backend.residence.working_days import add_working_days
from backend.traffic import rules


class _Conviction:
    judgment_date, offence_date, penal_code_article = date(2019, 1, 1), date(2018, 6, 1), "Điều 173"
    crime_category, through_negligence, principal_penalty = "serious", False, "imprisonment"
    imprisonment_months, probation_months, principal_completed_on = 30, None, date(2021, 7, 1)
    additional_penalties = ban = None
    additional_completed_on = court_expunged_on = None
    exempted = False


def _rate(label: str, work, seconds: float) -> None:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            work(count)
            count += 1
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {count / elapsed:>12,.0f} /s {1e6 * elapsed / count:>9.2f} µs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    seconds = parser.parse_args().seconds
    days = [date(2024, 1, 1) + timedelta(days=n) for n in range(1800)]
    card = coverage.CardFacts("GD4010123456789", date(2024, 1, 1), date(2028, 12, 31), 4, "01088", "Trạm Y tế")
    conviction = _Conviction()
    wards = list(units._successors()[1])
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "CONGDAN_ENV": "testing",
                "ENV_NAME": "testing",
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "LAW_DIR": "",
            }
        )
        with app.app_context():
            _rate("store.value (shipped only)", lambda n: store.value("health.base_salary", days[n % 1800]), seconds)
            _rate("payment deadline over weekends/holidays", lambda n: rules.payment_deadline(days[n % 1800]), seconds)
            _rate("residence deadline, 3 working days", lambda n: add_working_days(days[n % 1800], 3), seconds)
            _rate(
                "expungement date (adult, imprisonment)",
                lambda n: expungement.expunged_on(conviction, [conviction], date(1990, 1, 1), days[n % 1800]),
                seconds,
            )
            _rate(
                "BHYT coverage (self-referred outpatient)",
                lambda n: coverage.compute(
                    card, on=days[n % 1800], hospital_level="provincial", hospital_facility_code="79001"
                ),
                seconds,
            )
            _rate("address named with the units of the day", lambda n: units.place_on("00088", days[n % 1800]), seconds)
            _rate(
                "jurisdiction check after 1/7/2025 (10,035 old wards)",
                lambda n: units.covers("00088", (wards[n % len(wards)], "01"), date(2026, 1, 1)),
                seconds,
            )
        law = Path(folder) / "law"
        law.mkdir()
        (law / store.LOADED_FILE).write_text(
            json.dumps(
                [
                    {
                        "name": "health.base_salary",
                        "effective_from": "2026-07-01",
                        "value": 2_530_000,
                        "source": "bench fixture",
                        "loaded_at": "2026-12-01T00:00:00+07:00",
                        "loaded_by": "bench",
                    }
                ]
            )
        )
        app.config["LAW_DIR"] = str(law)
        with app.app_context():
            _rate(
                "store.value with an administrator's LAW_DIR",
                lambda n: store.value("health.base_salary", days[n % 1800]),
                seconds,
            )
            _rate("payment deadline with LAW_DIR", lambda n: rules.payment_deadline(days[n % 1800]), seconds)


if __name__ == "__main__":
    main()
