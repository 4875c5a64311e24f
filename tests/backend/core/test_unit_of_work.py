"""The unit of work commits whatever a request did or left pending, also when no transaction was begun, and
begins none for a request that touched nothing."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.unit_of_work import committed
from backend.extensions import db
from backend.registry.models import Citizen
from tests.backend.helpers import Factory


def test_changes_made_outside_a_transaction_are_committed(make_app):
    app = make_app()
    with app.app_context():
        setup = db.new_session()
        citizen_id = Factory(setup).citizen(full_name="Lê Văn Bình").id
        setup.commit()
        setup.close()
    with app.test_request_context():
        session = db.session
        citizen = session.get(Citizen, citizen_id)
        session.commit()  # the read transaction ended (as a guard's end_reads does); the object stays loaded
        assert not session.in_transaction()

        def work():
            citizen.full_name = "Lê Văn Bảo"  # a change to an object loaded by an earlier transaction
            return "done"

        assert committed(work) == "done"
    with app.app_context():
        check = db.new_session()
        assert check.scalar(sa.select(Citizen.full_name).where(Citizen.id == citizen_id)) == "Lê Văn Bảo"
        check.close()


def test_a_unit_that_touched_nothing_begins_no_transaction(make_app):
    app = make_app()
    statements = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with app.test_request_context():
        assert committed(lambda: 42) == 42
        assert not db.session.in_transaction()
    assert statements == []
