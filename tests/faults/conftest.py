"""Fault tests: a throwaway PostgreSQL for the whole run (tests/pg_server.py) with a demo-seeded template,
and a fresh copy of it per test."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from tests.pg_server import ThrowawayPostgres

# `make faults` sets CONGDAN_FAULTS=full for the full-size runs; `make test` runs the CI-sized ones.
FULL = os.environ.get("CONGDAN_FAULTS") == "full"


def size(ci: int, full: int) -> int:
    return full if FULL else ci


@pytest.fixture(scope="session")
def postgres():
    from tests.faults.support import demo_database

    server = ThrowawayPostgres()
    admin_url = server.start()
    # No pooled connection: the restart test stops the cluster under it.
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql("CREATE DATABASE demo_template")
    demo_database(admin_url.rsplit("/", 1)[0] + "/demo_template")
    yield server, admin_url, admin
    admin.dispose()
    server.stop()


@pytest.fixture()
def pg_database(postgres):
    """A fresh demo-seeded PostgreSQL database; yields its URL."""
    server, admin_url, admin = postgres
    name = "f_" + uuid.uuid4().hex[:12]
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE demo_template")
    return admin_url.rsplit("/", 1)[0] + "/" + name
