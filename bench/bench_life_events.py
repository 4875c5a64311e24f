"""Processing time of the linked procedures, measured the way the KPI dashboard will: from the recorded events
(backend/life_events/kpi.py), in working days per step and per chain, against each step's legal deadline.

Runs N birth chains and N death chains through the API on a fresh SQLite database. The service clock moves
forward by a seeded random number of working days before each officer's decision (officers do not all act the
day a step reaches their queue), so the figures exercise the holiday calendar; the API time per request is real.

    python bench/bench_life_events.py [--chains 40] [--seed 6]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from backend import create_app
from backend.auth import passwords
from backend.auth.models import Account
from backend.demo import add_demo_people
from backend.extensions import db
from backend.health.demo import add_demo_hospitals
from backend.life_events import kpi
from backend.life_events.demo import add_demo_life_events
from backend.life_events.models import WelfareEnrolment
from backend.migrate import upgrade
from backend.registry.models import Citizen, Household
from backend.residence.working_days import add_working_days
from shared_schemas import personal_id
from shared_schemas.clock import VIETNAM_TZ
from shared_schemas.text import fold

PASSWORD = "bench-password"
OFFICERS = {
    "civil_status": "hotich.hangbai",
    "police": "officer.hangbai",
    "social_insurance": "bhxh.hanoi",
    "labour": "ldtbxh.hanoi",
}


class Clock:
    def __init__(self):
        self.moment = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)

    def __call__(self):
        return self.moment

    def working_days_later(self, days: int) -> None:
        today = self.moment.astimezone(VIETNAM_TZ).date()
        day = add_working_days(today, days) if days else today
        self.moment = datetime.combine(day, datetime.min.time(), VIETNAM_TZ).replace(hour=9).astimezone(UTC)


def _person(session, n: int, name: str, sex: str, born: date, household: Household, relation: str) -> Citizen:
    citizen = Citizen(
        personal_id=personal_id.compose("001", sex, born.year, f"{500_000 + n:06d}"),
        full_name=name,
        name_folded=fold(name),
        date_of_birth=born,
        sex=sex,
        permanent_ward_code="00088",
        permanent_street=household.street_address,
        permanent_province_code="01",
        household_id=household.id,
        relation_to_head=relation,
    )
    session.add(citizen)
    session.flush()
    return citizen


def _families(session, count: int) -> list[dict]:
    password_hash = passwords.hash_password(PASSWORD)
    families = []
    for i in range(count):
        household = Household(household_number=f"HKBENCH{i:06d}", ward_code="00088", street_address=f"Số {i} Phố Huế")
        session.add(household)
        session.flush()
        elder = _person(session, 3 * i, "Nguyễn Văn Cụ", "male", date(1945, 1, 1), household, "Chủ hộ")
        father = _person(session, 3 * i + 1, "Nguyễn Văn Bố", "male", date(1990, 1, 1), household, "Con")
        mother = _person(session, 3 * i + 2, "Trần Thị Mẹ", "female", date(1992, 1, 1), household, "Con dâu")
        household.head_citizen_id = elder.id if i % 3 == 0 else father.id  # a third need the elder's consent
        session.add(
            WelfareEnrolment(
                citizen_id=elder.id,
                regime=("social_insurance", "merit", "social_protection")[i % 3],
                since=date(2000, 1, 1),
            )
        )
        for person in (elder, father, mother):
            session.add(
                Account(
                    username=person.personal_id,
                    password_hash=password_hash,
                    role="citizen",
                    level=2,
                    citizen_id=person.id,
                    display_name=person.full_name,
                )
            )
        families.append(
            {
                "elder": elder.personal_id,
                "father": father.personal_id,
                "mother": mother.personal_id,
                "head": "elder" if i % 3 == 0 else "father",
            }
        )
    return families


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chains", type=int, default=40)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng, clock = random.Random(args.seed), Clock()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "CONGDAN_ENV": "testing",
                "ENV_NAME": "testing",
                "TESTING": True,
                "LAW_DIR": "",
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "CLOCK": clock,
            }
        )
        with app.app_context():
            upgrade(db.engine)
            from backend.registry.reference import sync_administrative_units

            sync_administrative_units(session=db.session)
            add_demo_people(session=db.session, password=PASSWORD)
            add_demo_hospitals(session=db.session, password=PASSWORD)
            add_demo_life_events(session=db.session, password=PASSWORD)
            families = _families(db.session, args.chains)
            db.session.commit()
        client = app.test_client()
        tokens: dict[str, dict] = {}

        def headers(username: str) -> dict:
            if username not in tokens:
                answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
                assert answer.status_code == 200, (username, answer.json)
                tokens[username] = {"Authorization": f"Bearer {answer.json['access_token']}"}
            return tokens[username]

        latencies: dict[str, list[float]] = {}

        def call(label: str, path: str, username: str, body: dict) -> dict:
            start = time.perf_counter()
            answer = client.post(path, json=body, headers=headers(username))
            latencies.setdefault(label, []).append(1000 * (time.perf_counter() - start))
            assert answer.status_code in (200, 201), (path, answer.json)
            return answer.json

        def run_steps(application: dict, owner: str, family: dict) -> None:
            for position in range(len(application["steps"])):
                ref = application["ref"]
                current = client.get(f"/api/v1/life-events/applications/{ref}", headers=headers(owner)).json
                step = current["steps"][position]
                if step["status"] == "awaiting_consent":
                    clock.working_days_later(rng.choice([0, 1]))
                    call(
                        "household consent",
                        f"/api/v1/life-events/applications/{ref}/household-consent",
                        family[family["head"]],
                        {"decision": "consent"},
                    )
                clock.working_days_later(rng.choice([0, 0, 1, 1, 2]))
                call(
                    f"decide {step['step']}",
                    f"/api/v1/life-events/steps/{step['id']}/decision",
                    OFFICERS[step["agency"]],
                    {"decision": "approve"},
                )

        for family in families:
            clock.working_days_later(rng.choice([1, 2, 3]))
            born = (clock.moment - timedelta(days=1)).isoformat()
            certificate = call(
                "birth certificate",
                "/api/v1/life-events/birth-certificates",
                "staff.bachmai",
                {
                    "mother_personal_id": family["mother"],
                    "child_sex": rng.choice(["male", "female"]),
                    "born_at": born,
                    "weight_grams": rng.randint(2500, 4000),
                },
            )
            application = call(
                "declare birth",
                "/api/v1/life-events/births",
                family["father"],
                {
                    "certificate_ref": certificate["ref"],
                    "child_full_name": "Nguyễn Thị Con",
                    "household_of": "father",
                    "father_personal_id": family["father"],
                    "place_of_origin": "Hà Nội",
                },
            )
            run_steps(application, family["father"], family)
            notice = call(
                "death notice",
                "/api/v1/life-events/death-notices",
                "staff.bachmai",
                {
                    "deceased_personal_id": family["elder"],
                    "informant_personal_id": family["father"],
                    "died_at": (clock.moment - timedelta(hours=20)).isoformat(),
                },
            )
            application = call(
                "declare death",
                "/api/v1/life-events/deaths",
                family["father"],
                {"certificate_ref": notice["ref"], "relationship": "Con"},
            )
            run_steps(application, family["father"], family)

        with app.app_context():
            for kind in ("birth", "death"):
                figures = kpi.summary(kpi.chain_times(session=db.session, kind=kind))
                total = figures["total"]
                print(
                    f"{kind} chains: {figures['chains']} completed; whole chain median {total['median']} working "
                    f"days, p90 {total['p90']:.1f}, max {total['max']} (issue 17's target: 4)"
                )
                for name, row in figures["steps"].items():
                    print(
                        f"  {name:<26} median {row['median']:>4} wd  p90 {row['p90']:>4.1f}  max {row['max']:>2}"
                        f"  on time {100 * row['on_time']:5.1f} %  ({row['count']} steps)"
                    )
        print("API time per request (ms, median / p90):")
        for label, values in latencies.items():
            values.sort()
            print(
                f"  {label:<36} {statistics.median(values):7.1f} / {values[int(0.9 * (len(values) - 1))]:7.1f}"
                f"  (n={len(values)})"
            )


if __name__ == "__main__":
    main()
