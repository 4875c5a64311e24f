"""The schema comes only from Alembic migrations, and what they build matches the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import backend.models  # noqa: F401 - the full metadata
from backend import migrate
from backend.audit.partitions import include_in_schema_comparison
from backend.database import Base, make_engine


def test_migrated_schema_matches_models(database_server):
    engine = make_engine(database_server())
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_in_schema_comparison}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_downgrade_to_base_and_back(database_server):
    engine = make_engine(database_server())
    migrate.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert "citizens" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_audit_rows_cannot_be_changed_or_deleted(app, factory, session):
    from backend.audit.models import AuditEvent
    from backend.database import utcnow

    citizen = factory.citizen()
    session.add(
        AuditEvent(
            occurred_at=utcnow(),
            subject_citizen_id=citizen.id,
            actor_role="officer",
            actor_label="x",
            action="read",
            record_type="citizen",
            purpose="test",
            client_kind="address",
            client_id="127.0.0.1",
        )
    )
    session.flush()
    for statement in ("UPDATE audit_events SET purpose = 'changed'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with session.begin_nested():
                session.execute(sa.text(statement))
