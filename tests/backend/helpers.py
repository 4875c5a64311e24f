"""Test helpers: factories for registry rows and accounts, and login shortcuts."""

from __future__ import annotations

import itertools
from datetime import date

import sqlalchemy as sa

from backend.auth import passwords
from backend.auth.models import Account
from backend.registry.models import Citizen, DrivingLicence, HealthInsuranceCard, Vehicle
from shared_schemas import personal_id
from shared_schemas.text import fold

PASSWORD = "correct horse battery"


class Factory:
    """Builds registry rows and accounts with valid, consistent data."""

    _serial = itertools.count(1)

    def __init__(self, session):
        self.session = session

    def citizen(
        self,
        *,
        full_name="Nguyễn Văn An",
        sex="male",
        date_of_birth=date(1990, 1, 1),
        ward_code="00088",
        province_code="01",
        birth_province="001",
        **extra,
    ) -> Citizen:
        n = next(self._serial)
        pid = extra.pop("personal_id", None) or personal_id.compose(
            birth_province, sex, date_of_birth.year, f"{(n * 7919 + 500_000) % 999_983:06d}"
        )
        citizen = Citizen(
            personal_id=pid,
            full_name=full_name,
            name_folded=fold(full_name),
            sex=sex,
            date_of_birth=date_of_birth,
            permanent_ward_code=ward_code,
            permanent_street="Số 5 Phố Huế",
            permanent_province_code=province_code,
            **extra,
        )
        self.session.add(citizen)
        self.session.flush()
        return citizen

    def account(self, citizen: Citizen, *, level=1, password=PASSWORD) -> Account:
        account = Account(
            username=citizen.personal_id,
            password_hash=passwords.hash_password(password),
            role="citizen",
            level=level,
            citizen_id=citizen.id,
            phone="0912345678",
            display_name=citizen.full_name,
        )
        self.session.add(account)
        self.session.flush()
        return account

    def staff(self, role: str, scope: str | None = None, *, username=None, password=PASSWORD) -> Account:
        account = Account(
            username=username or f"{role}.{next(self._serial)}",
            password_hash=passwords.hash_password(password),
            role=role,
            level=2,
            scope_code=scope,
            display_name=f"Test {role}",
        )
        self.session.add(account)
        self.session.flush()
        return account

    def holdings(self, citizen: Citizen) -> None:
        n = next(self._serial)
        self.session.add_all(
            [
                Vehicle(
                    plate=f"29B1{n:05d}",
                    kind="motorbike",
                    brand="Honda",
                    owner_citizen_id=citizen.id,
                    registered_on=date(2020, 1, 1),
                ),
                DrivingLicence(
                    number=f"01{n:010d}", licence_class="A1", citizen_id=citizen.id, issued_on=date(2010, 1, 1)
                ),
                HealthInsuranceCard(
                    card_number=f"GD401{n:010d}",
                    citizen_id=citizen.id,
                    valid_from=date(2026, 1, 1),
                    valid_to=date(2026, 12, 31),
                    benefit_level=4,
                    primary_care_facility_code="01088",
                    primary_care_facility_name="Trạm Y tế Phường Hàng Bài",
                ),
            ]
        )
        self.session.flush()


def login(client, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return response.json


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def holder_and_officer(app) -> tuple[str, str, str, int]:
    """Commit, in `app`'s own database (a `make_app` app), a citizen with a level-2 account and an officer:
    (holder's username, officer's username, the citizen's personal ID, the citizen's id)."""
    from backend.extensions import db

    with app.app_context():
        session = db.new_session()
        factory = Factory(session)
        citizen = factory.citizen(full_name="Trần Thị Mai", sex="female", date_of_birth=date(1961, 5, 2))
        holder = factory.account(citizen, level=2)
        officer = factory.staff("officer", "00088")
        session.commit()
        names = holder.username, officer.username, citizen.personal_id, citizen.id
        session.close()
    return names


class Statements:
    """The SQL `app` sends from now on, on its writer and on its reader (backend/database.py: make_reader_engine)."""

    def __init__(self, app):
        state = app.extensions["congdan.db"]
        self.reader: list[str] = []
        self.writer: list[str] = []
        sa.event.listen(state["reader"], "before_cursor_execute", lambda *a: self.reader.append(a[2]))
        sa.event.listen(state["engine"], "before_cursor_execute", lambda *a: self.writer.append(a[2]))

    def clear(self):
        self.reader.clear()
        self.writer.clear()


def audit_rows(app, citizen_id: int) -> int:
    """How many audit events about `citizen_id` `app`'s database holds (committed ones)."""
    from backend.audit.models import AuditEvent
    from backend.extensions import db

    with app.app_context():
        session = db.new_session()
        try:
            query = (
                sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.subject_citizen_id == citizen_id)
            )
            return session.scalar(query)
        finally:
            session.close()
