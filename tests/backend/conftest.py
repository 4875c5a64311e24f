"""Backend fixtures: one migrated database per run (SQLite, or PostgreSQL when
CONGDAN_TEST_DATABASE=postgresql), each test inside a transaction that is rolled back."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid

import pytest
import sqlalchemy as sa

from backend import create_app, migrate
from backend.database import make_engine
from backend.extensions import db
from backend.registry.reference import sync_administrative_units
from tests.backend.helpers import PASSWORD, Factory, bearer, login
from tests.chip_evidence import csca_dir
from tests.pg_server import ThrowawayPostgres

BACKEND = os.environ.get("CONGDAN_TEST_DATABASE", "sqlite")


def _prepare(url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        from sqlalchemy.orm import Session

        session = Session(bind=connection)
        sync_administrative_units(session=session)
        session.flush()
    engine.dispose()


@pytest.fixture(scope="session")
def database_server(tmp_path_factory):
    """Yields a function that makes a fresh, migrated database and returns its URL."""
    if BACKEND == "postgresql":
        server = ThrowawayPostgres()
        admin_url = server.start()
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql("CREATE DATABASE congdan_template")
        _prepare(admin_url.rsplit("/", 1)[0] + "/congdan_template")

        def fresh() -> str:
            name = "t_" + uuid.uuid4().hex[:12]
            with admin.connect() as c:
                c.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE congdan_template")
            return admin_url.rsplit("/", 1)[0] + "/" + name

        yield fresh
        admin.dispose()
        server.stop()
    else:
        folder = tmp_path_factory.mktemp("db")
        template = folder / "template.db"
        _prepare(f"sqlite:///{template}")
        counter = itertools.count()

        def fresh() -> str:
            target = folder / f"db{next(counter)}.db"
            shutil.copy(template, target)
            return f"sqlite:///{target}"

        yield fresh


def app_config(url: str, **overrides) -> dict:
    config = {
        "CONGDAN_ENV": "testing",
        "ENV_NAME": "testing",
        "TESTING": True,
        "DATABASE_URL": url,
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        # One Limiter object serves every app in the process (as in production, one app per process),
        # so tests keep it enabled with limits no test reaches unless it sets its own.
        "RATELIMIT_ENABLED": True,
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
        "FLEET_CHALLENGE_LIMIT": "100000 per minute",
        "DOCUMENT_PAGE_LIMIT_PER_ADDRESS": "100000 per minute",
        "SECRET_KEY": "test-secret-" + "x" * 32,
        "JWT_SECRET_KEY": "test-jwt-secret-" + "y" * 32,
        # Chip ID cards are verified against the test CSCA (tests/chip_evidence.py); typed check-ins
        # are limited per kiosk only where a test sets the limit.
        "CSCA_STORE_DIR": csca_dir(),
        "TYPED_CHECKIN_LIMIT_PER_KIOSK": "100000 per minute",
        "REGISTRATION_LIMIT_PER_ID": "100000 per minute",
        "CHIP_CHALLENGE_LIMIT_PER_KIOSK": "100000 per minute",
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def shared_url(database_server):
    return database_server()


@pytest.fixture(scope="session")
def _app(shared_url):
    application = create_app(app_config(shared_url))
    yield application
    application.extensions["congdan.db"]["engine"].dispose()


@pytest.fixture()
def app(_app):
    """The session's app, with every database session joined to one rolled-back transaction."""
    engine = _app.extensions["congdan.db"]["engine"]
    connection = engine.connect()
    transaction = connection.begin()
    original = _app.extensions["congdan.db"]["sessionmaker"]
    db.bind(_app, connection)
    try:
        yield _app
    finally:
        _app.extensions["congdan.db"]["sessionmaker"] = original
        transaction.rollback()
        connection.close()


@pytest.fixture()
def make_app(database_server):
    """Apps on their own fresh database, for tests that need real commits (restarts, concurrency)."""
    made = []

    def factory(url: str | None = None, **overrides):
        application = create_app(app_config(url or database_server(), **overrides))
        made.append(application)
        return application

    yield factory
    for application in made:
        application.extensions["congdan.db"]["engine"].dispose()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def session(app):
    with app.app_context():
        yield db.session


@pytest.fixture()
def factory(session):
    return Factory(session)


@pytest.fixture()
def auth_headers(client):
    def headers_for(account, password: str = PASSWORD) -> dict:
        return bearer(login(client, account.username, password)["access_token"])

    return headers_for
