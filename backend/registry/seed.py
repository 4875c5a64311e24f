"""A reproducible, realistic demo population: households of Vietnamese families with valid personal
ID numbers, addresses, vehicles, driving licences and health-insurance cards.

Bulk loading bypasses the ORM on purpose: a million citizens must load in well under two minutes, so
rows are generated as tuples and written with the driver's executemany (SQLite) or COPY (PostgreSQL),
with secondary indexes built once at the end.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from backend.database import Base
from backend.registry.reference import administrative_units
from shared_schemas import personal_id
from shared_schemas.text import fold

log = logging.getLogger(__name__)

REFERENCE_DATE = date(2026, 1, 1)  # fixed, so a seed gives the same population whenever it runs

SURNAMES = [
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 30),
    ("Huỳnh", 21),
    ("Phan", 45),
    ("Vũ", 20),
    ("Võ", 19),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 6),
    ("Trương", 6),
    ("Lương", 4),
    ("Mai", 4),
]
MIDDLE = {
    personal_id.MALE: ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Xuân", "Ngọc", "Gia"],
    personal_id.FEMALE: ["Thị", "Thị", "Ngọc", "Thu", "Minh", "Thanh", "Hồng", "Kim", "Bảo", "Khánh"],
}
GIVEN = {
    personal_id.MALE: [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Hải",
        "Hiếu",
        "Hoàng",
        "Hùng",
        "Huy",
        "Khang",
        "Khoa",
        "Long",
        "Minh",
        "Nam",
        "Nghĩa",
        "Phong",
        "Phúc",
        "Quân",
        "Sơn",
        "Tài",
        "Thắng",
        "Thành",
        "Toàn",
        "Trung",
        "Tuấn",
        "Việt",
        "Vinh",
        "Bảo",
        "Đức",
    ],
    personal_id.FEMALE: [
        "Anh",
        "Ánh",
        "Chi",
        "Dung",
        "Giang",
        "Hà",
        "Hạnh",
        "Hằng",
        "Hoa",
        "Hương",
        "Huyền",
        "Lan",
        "Linh",
        "Loan",
        "Mai",
        "My",
        "Ngân",
        "Ngọc",
        "Nhung",
        "Oanh",
        "Phương",
        "Quỳnh",
        "Tâm",
        "Thảo",
        "Thủy",
        "Trang",
        "Tuyết",
        "Vân",
        "Yến",
        "Hiền",
    ],
}
STREETS = [
    "Phố Huế",
    "Đường Lê Lợi",
    "Phố Hàng Bạc",
    "Đường Trần Hưng Đạo",
    "Đường Nguyễn Trãi",
    "Phố Lý Thường Kiệt",
    "Đường Hai Bà Trưng",
    "Đường Lê Duẩn",
    "Phố Quang Trung",
    "Đường Điện Biên Phủ",
    "Ngõ 12 Phố Đội Cấn",
    "Hẻm 45 Đường Nguyễn Du",
    "Đường Bạch Đằng",
    "Phố Hàng Gai",
    "Đường 3 Tháng 2",
]
PLATE_CODES = {
    "01": ["29", "30", "31", "32", "33", "40"],
    "79": ["50", "51", "59", "41"],
    "48": ["43"],
    "31": ["15", "16"],
    "92": ["65"],
}
INSURANCE_GROUPS = [
    ("GD", 4, 40),
    ("DN", 3, 25),
    ("HT", 2, 8),
    ("HS", 4, 8),
    ("SV", 4, 4),
    ("TE", 1, 7),
    ("CN", 1, 3),
    ("CC", 1, 1),
    ("NO", 2, 2),
    ("XN", 3, 2),
]


@dataclass
class _Counters:
    id_random: dict[str, int] = field(default_factory=dict)
    citizen: int = 0
    household: int = 0
    vehicle: int = 0
    plate: dict[str, int] = field(default_factory=dict)
    licence: int = 0
    insurance: int = 0


@dataclass
class SeedReport:
    citizens: int = 0
    households: int = 0
    vehicles: int = 0
    driving_licences: int = 0
    health_insurance_cards: int = 0
    seconds: float = 0.0
    reserved_ids: set[str] = field(default_factory=set)


class PopulationGenerator:
    """Yields households with their members and holdings, deterministically from `seed`."""

    def __init__(self, seed: int, reserved_ids: set[str] | None = None):
        self.rng = random.Random(seed)
        self.reserved_ids = reserved_ids or set()
        self.counters = _Counters()
        units = administrative_units()
        self.wards = [u for u in units if u["level"] == "ward"]
        self.ward_names = {u["code"]: u["name"] for u in units}
        self.birth_provinces = sorted(personal_id.province_names())
        self.surname_pool = [s for s, _ in SURNAMES]
        self.surname_weights = [w for _, w in SURNAMES]
        self.now = datetime.combine(REFERENCE_DATE, datetime.min.time(), tzinfo=timezone.utc)

    # -- people -------------------------------------------------------------------------------
    def _personal_id(self, province: str, sex: str, born: date) -> str:
        prefix = f"{province}{personal_id.century_sex_digit(sex, born.year)}{born.year % 100:02d}"
        while True:
            n = self.counters.id_random.get(prefix, 0)
            self.counters.id_random[prefix] = n + 1
            # 999_983 is prime, so n -> n * 7919 mod it is a bijection: random-looking, never repeats.
            candidate = f"{prefix}{(n * 7919 + 104_729) % 999_983:06d}"
            if candidate not in self.reserved_ids:
                return candidate

    def _name(self, sex: str, surname: str | None = None) -> str:
        rng = self.rng
        surname = surname or rng.choices(self.surname_pool, self.surname_weights)[0]
        return f"{surname} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"

    def _person(
        self,
        *,
        sex: str,
        born: date,
        ward: dict,
        street: str,
        household: int,
        relation: str,
        surname: str | None = None,
    ) -> tuple:
        rng = self.rng
        self.counters.citizen += 1
        residence_birth = "0" + ward["province_code"]
        province = residence_birth if rng.random() < 0.8 else rng.choice(self.birth_provinces)
        name = self._name(sex, surname)
        old_id = f"{rng.randrange(10**8, 10**9)}" if born.year < 2000 and rng.random() < 0.3 else None
        deceased = (
            (REFERENCE_DATE - timedelta(days=rng.randrange(1, 3000))).isoformat()
            if rng.random() < 0.004 and born.year < 1960
            else None
        )
        return (
            self.counters.citizen,
            self._personal_id(province, sex, born),
            name,
            fold(name),
            born.isoformat(),
            sex,
            old_id,
            "Kinh" if rng.random() < 0.86 else rng.choice(["Tày", "Thái", "Mường", "Khmer", "Hoa"]),
            None,
            "Việt Nam",
            personal_id.province_names().get(province),
            ward["code"],
            street,
            ward["province_code"],
            household,
            relation,
            deceased,
        )

    def _birth(self, age_years: int) -> date:
        return REFERENCE_DATE - timedelta(days=age_years * 365 + self.rng.randrange(365))

    def households(self, total_citizens: int) -> Iterator[tuple[tuple, list[tuple]]]:
        rng = self.rng
        produced = 0
        while produced < total_citizens:
            self.counters.household += 1
            hid = self.counters.household
            ward = rng.choice(self.wards)
            street = f"Số {rng.randrange(1, 300)} {rng.choice(STREETS)}"
            head_sex = personal_id.MALE if rng.random() < 0.7 else personal_id.FEMALE
            head_age = rng.randrange(25, 86)
            members = [
                self._person(
                    sex=head_sex, born=self._birth(head_age), ward=ward, street=street, household=hid, relation="Chủ hộ"
                )
            ]
            surname = members[0][2].split()[0] if head_sex == personal_id.MALE else None
            if rng.random() < 0.78:
                spouse_sex = personal_id.FEMALE if head_sex == personal_id.MALE else personal_id.MALE
                members.append(
                    self._person(
                        sex=spouse_sex,
                        born=self._birth(max(18, head_age + rng.randrange(-6, 4))),
                        ward=ward,
                        street=street,
                        household=hid,
                        relation="Vợ" if spouse_sex == personal_id.FEMALE else "Chồng",
                    )
                )
            for _ in range(rng.choice([0, 1, 1, 2, 2, 2, 3])):
                child_age = head_age - rng.randrange(20, 41)
                if child_age < 0:
                    continue
                child_sex = rng.choice([personal_id.MALE, personal_id.FEMALE])
                members.append(
                    self._person(
                        sex=child_sex,
                        born=self._birth(child_age),
                        ward=ward,
                        street=street,
                        household=hid,
                        relation="Con",
                        surname=surname,
                    )
                )
            members = members[: total_citizens - produced]
            produced += len(members)
            household_row = (hid, f"HK{ward['code']}{hid:09d}", ward["code"], street, members[0][0])
            yield household_row, members

    # -- holdings -----------------------------------------------------------------------------
    def holdings(self, person: tuple) -> tuple[list[tuple], list[tuple], list[tuple]]:
        rng = self.rng
        citizen_id, born = person[0], date.fromisoformat(person[4])
        province = person[13]
        age = (REFERENCE_DATE - born).days // 365
        vehicles, licences, cards = [], [], []
        if person[16] is None and age >= 18:
            if rng.random() < 0.6:
                vehicles.append(self._vehicle(citizen_id, province, "motorbike"))
                licences.append(self._licence(citizen_id, province, "A1", born))
            if rng.random() < 0.08:
                vehicles.append(self._vehicle(citizen_id, province, "car"))
                licences.append(self._licence(citizen_id, province, "B", born))
        if person[16] is None and rng.random() < 0.92:
            cards.append(self._insurance(citizen_id, province, person[11], age))
        return vehicles, licences, cards

    def _vehicle(self, citizen_id: int, province: str, kind: str) -> tuple:
        rng = self.rng
        code = rng.choice(PLATE_CODES.get(province, ["29"]))
        series = f"{code}{'B1' if kind == 'motorbike' else 'A'}"
        n = self.counters.plate.get(series, 0)
        self.counters.plate[series] = n + 1
        letter_shift = n // 100_000
        series = series[:2] + chr(ord(series[2]) + letter_shift) + series[3:]
        self.counters.vehicle += 1
        brand = rng.choice(
            ["Honda", "Yamaha", "Suzuki", "Piaggio", "VinFast"]
            if kind == "motorbike"
            else ["Toyota", "Hyundai", "Kia", "Mazda", "VinFast", "Ford"]
        )
        registered = REFERENCE_DATE - timedelta(days=rng.randrange(30, 5000))
        return (self.counters.vehicle, f"{series}{n % 100_000:05d}", kind, brand, citizen_id, registered.isoformat())

    def _licence(self, citizen_id: int, province: str, licence_class: str, born: date) -> tuple:
        rng = self.rng
        self.counters.licence += 1
        issued = max(born + timedelta(days=18 * 366), REFERENCE_DATE - timedelta(days=rng.randrange(30, 9000)))
        expires = None if licence_class == "A1" else (issued + timedelta(days=10 * 365)).isoformat()
        points = 12 if rng.random() < 0.9 else rng.randrange(4, 12)
        return (
            self.counters.licence,
            f"{province}{self.counters.licence:010d}",
            licence_class,
            citizen_id,
            issued.isoformat(),
            expires,
            "valid",
            points,
            None,
        )

    def _insurance(self, citizen_id: int, province: str, ward_code: str, age: int) -> tuple:
        rng = self.rng
        self.counters.insurance += 1
        if age < 6:
            group, level = "TE", 1
        elif age >= 60 and rng.random() < 0.5:
            group, level = "HT", 2
        else:
            group, level, _ = rng.choices(INSURANCE_GROUPS, weights=[g[2] for g in INSURANCE_GROUPS])[0]
        valid_from = date(REFERENCE_DATE.year, 1, 1)
        valid_to = date(REFERENCE_DATE.year, 12, 31) if rng.random() < 0.95 else date(REFERENCE_DATE.year - 1, 12, 31)
        facility_code = f"{province}{ward_code[-3:]}"
        facility_name = f"Trạm Y tế {self.ward_names[ward_code]}"
        return (
            self.counters.insurance,
            f"{group}{level}{province}{self.counters.insurance:010d}",
            citizen_id,
            valid_from.isoformat(),
            valid_to.isoformat(),
            level,
            facility_code,
            facility_name,
        )


CITIZEN_COLUMNS = (
    "id",
    "personal_id",
    "full_name",
    "name_folded",
    "date_of_birth",
    "sex",
    "old_id_number",
    "ethnicity",
    "religion",
    "nationality",
    "place_of_origin",
    "permanent_ward_code",
    "permanent_street",
    "permanent_province_code",
    "household_id",
    "relation_to_head",
    "deceased_on",
)
HOUSEHOLD_COLUMNS = ("id", "household_number", "ward_code", "street_address", "head_citizen_id")
VEHICLE_COLUMNS = ("id", "plate", "kind", "brand", "owner_citizen_id", "registered_on")
LICENCE_COLUMNS = (
    "id",
    "number",
    "licence_class",
    "citizen_id",
    "issued_on",
    "expires_on",
    "status",
    "points",
    "suspended_until",
)
CARD_COLUMNS = (
    "id",
    "card_number",
    "citizen_id",
    "valid_from",
    "valid_to",
    "benefit_level",
    "primary_care_facility_code",
    "primary_care_facility_name",
)
BULK_TABLES = ("households", "citizens", "vehicles", "driving_licences", "health_insurance_cards")


class BulkWriter:
    """Buffers rows per table and writes them with the fastest path the driver offers."""

    def __init__(self, connection: sa.Connection, batch: int = 50_000):
        self.connection = connection
        self.dialect = connection.dialect.name
        self.raw = connection.connection.dbapi_connection
        self.batch = batch
        self.buffers: dict[str, tuple[tuple[str, ...], list]] = {}
        stamp = datetime.now(timezone.utc).replace(tzinfo=None)
        self.timestamp = stamp.isoformat(sep=" ") if self.dialect == "sqlite" else stamp

    def add(self, table: str, columns: tuple[str, ...], row: tuple, *, stamped: bool = False) -> None:
        cols = columns + (("created_at", "updated_at") if stamped else ())
        buffer = self.buffers.setdefault(table, (cols, []))[1]
        buffer.append(row + ((self.timestamp, self.timestamp) if stamped else ()))
        if len(buffer) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write every buffer, parents before children (foreign keys are checked per statement)."""
        for name in BULK_TABLES:
            cols, rows = self.buffers.get(name, ((), []))
            if rows:
                self._write(name, cols, rows)
                rows.clear()

    def _write(self, table: str, cols: tuple[str, ...], rows: list) -> None:
        if not rows:
            return
        cursor = self.raw.cursor()
        try:
            if self.dialect == "postgresql":
                with cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in cols)
                # Table and column names come from this module's constants, never from input.
                cursor.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)  # nosec B608
        finally:
            cursor.close()


def _secondary_indexes(tables: tuple[str, ...]) -> list[sa.Index]:
    """Indexes rebuilt after the load. The one on households.head_citizen_id stays: SQLite looks up
    deferred foreign-key violations through it as citizens arrive (without it, each insert scans)."""
    return [
        index
        for name in tables
        for index in Base.metadata.tables[name].indexes
        if index.name != "ix_households_head_citizen_id"
    ]


def bulk_load_population(
    engine: sa.Engine, *, citizens: int, seed: int, reserved_ids: set[str] | None = None
) -> SeedReport:
    """Generate and write `citizens` people (plus households and holdings) in one transaction."""
    started = time.perf_counter()
    report = SeedReport(reserved_ids=set(reserved_ids or ()))
    generator = PopulationGenerator(seed, report.reserved_ids)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Checked once at the end (foreign_key_check) instead of per row: with rows arriving in
            # two directions (households <-> citizens) SQLite's per-row deferred checks scan tables.
            raw = connection.connection.dbapi_connection
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.execute("PRAGMA synchronous=OFF")  # one bulk transaction; a crash leaves nothing to keep
        try:
            with connection.begin():
                _load(connection, generator, report, citizens)
        finally:
            if connection.dialect.name == "sqlite":
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
                connection.connection.dbapi_connection.execute("PRAGMA synchronous=NORMAL")
    report.seconds = time.perf_counter() - started
    log.info("seeded %d citizens in %.1f s", report.citizens, report.seconds)
    return report


def _load(connection: sa.Connection, generator: PopulationGenerator, report: SeedReport, citizens: int) -> None:
    drop_indexes = citizens >= 50_000  # below that, building indexes as we go is cheaper
    start_ids = {
        t: connection.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {t}")).scalar_one()  # nosec B608
        for t in BULK_TABLES
    }
    if any(start_ids.values()):
        raise RuntimeError("bulk_load_population expects empty registry tables")
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA cache_size=-200000")
    indexes = _secondary_indexes(BULK_TABLES) if drop_indexes else []
    for index in indexes:
        index.drop(connection)
    if connection.dialect.name == "postgresql":
        # households.head_citizen_id points forward at citizens: that key is checked at commit.
        connection.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
    writer = BulkWriter(connection)
    for household, members in generator.households(citizens):
        writer.add("households", HOUSEHOLD_COLUMNS, household, stamped=True)
        report.households += 1
        for person in members:
            writer.add("citizens", CITIZEN_COLUMNS, person, stamped=True)
            vehicles, licences, cards = generator.holdings(person)
            for row in vehicles:
                writer.add("vehicles", VEHICLE_COLUMNS, row)
            for row in licences:
                writer.add("driving_licences", LICENCE_COLUMNS, row)
            for row in cards:
                writer.add("health_insurance_cards", CARD_COLUMNS, row)
            report.citizens += 1
            report.vehicles += len(vehicles)
            report.driving_licences += len(licences)
            report.health_insurance_cards += len(cards)
    writer.flush()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred checks now
    for index in indexes:
        index.create(connection)
    if connection.dialect.name == "postgresql":
        for table in BULK_TABLES:
            # BULK_TABLES is our own constant list of table names, not input.
            statement = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}"  # nosec B608
            connection.exec_driver_sql(statement)
    else:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
        if broken:
            raise RuntimeError(f"generated rows break foreign keys: {broken}")
    connection.exec_driver_sql("ANALYZE")
