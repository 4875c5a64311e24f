"""The shared Idempotency-Key store (backend/core/idempotency.py), its header schemas, and the commit helper that
makes the loser of a race replay the winner's result (backend/core/unit_of_work.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import marshmallow as ma
import pytest
import sqlalchemy as sa

from backend.core import idempotency
from backend.core.access import CITIZEN, Principal
from backend.core.idempotency import IdempotencyKey, IdempotencyKeyReused
from backend.core.unit_of_work import committed
from backend.errors import Conflict
from backend.extensions import db
from shared_schemas.base import IdempotencyHeaderSchema, RequiredIdempotencyHeaderSchema
from tests.backend.helpers import Factory


def _principal(account) -> Principal:
    return Principal(account_id=account.id, role=CITIZEN, level=1, label="test", family_id="f" * 32)


@pytest.fixture()
def principal(factory):
    return _principal(factory.account(factory.citizen()))


def _remembered(session, principal, key="key-00000001", operation="thing", body=None, ref="ref-1"):
    print_ = idempotency.fingerprint(operation, body or {"a": 1})
    idempotency.remember(
        session=session, principal=principal, key=key, operation=operation, fingerprint=print_, resource_ref=ref
    )
    return print_


def test_fingerprint_is_canonical_and_covers_operation_and_body():
    body = {"b": [1, 2], "a": "Nguyễn", "on": date(2026, 1, 2), "at": datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)}
    same = dict(reversed(list(body.items())))
    assert idempotency.fingerprint("op", body) == idempotency.fingerprint("op", same)
    assert len(idempotency.fingerprint("op", body)) == 64
    assert idempotency.fingerprint("op", body) != idempotency.fingerprint("other-op", body)
    assert idempotency.fingerprint("op", body) != idempotency.fingerprint("op", {**body, "b": [2, 1]})
    assert idempotency.fingerprint("op", {"x": None}) != idempotency.fingerprint("op", {})


def test_a_new_or_missing_key_replays_nothing(session, principal):
    print_ = idempotency.fingerprint("thing", {"a": 1})
    assert (
        idempotency.replayed(session=session, principal=principal, key=None, operation="thing", fingerprint=print_)
        is None
    )
    assert (
        idempotency.replayed(
            session=session, principal=principal, key="key-00000001", operation="thing", fingerprint=print_
        )
        is None
    )
    idempotency.remember(
        session=session, principal=principal, key=None, operation="thing", fingerprint=print_, resource_ref="ref-1"
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0


def test_the_same_request_replays_the_first_result(session, principal):
    print_ = _remembered(session, principal)
    assert (
        idempotency.replayed(
            session=session, principal=principal, key="key-00000001", operation="thing", fingerprint=print_
        )
        == "ref-1"
    )


@pytest.mark.parametrize(("operation", "body"), [("thing", {"a": 2}), ("other-thing", {"a": 1})])
def test_the_same_key_for_a_different_request_is_a_conflict(session, principal, operation, body):
    _remembered(session, principal)
    with pytest.raises(IdempotencyKeyReused) as refused:
        idempotency.replayed(
            session=session,
            principal=principal,
            key="key-00000001",
            operation=operation,
            fingerprint=idempotency.fingerprint(operation, body),
        )
    assert isinstance(refused.value, Conflict) and refused.value.code == "idempotency-key-reused"


def test_keys_belong_to_one_account(session, factory, principal):
    print_ = _remembered(session, principal)
    stranger = _principal(factory.account(factory.citizen()))
    assert (
        idempotency.replayed(
            session=session, principal=stranger, key="key-00000001", operation="thing", fingerprint=print_
        )
        is None
    )
    _remembered(session, stranger, ref="ref-2")  # the same key, another account: no clash
    assert (
        idempotency.replayed(
            session=session, principal=stranger, key="key-00000001", operation="thing", fingerprint=print_
        )
        == "ref-2"
    )


def test_the_database_refuses_a_second_record_for_a_key(session, principal):
    _remembered(session, principal)
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        _remembered(session, principal, body={"a": 2}, ref="ref-2")


def test_amend_lets_a_later_request_take_over_the_result(session, principal):
    first = _remembered(session, principal)
    later = idempotency.fingerprint("thing", {"a": 1, "offline": True})
    idempotency.amend(session=session, principal=principal, key="key-00000001", fingerprint=later)
    assert (
        idempotency.replayed(
            session=session, principal=principal, key="key-00000001", operation="thing", fingerprint=later
        )
        == "ref-1"
    )
    with pytest.raises(IdempotencyKeyReused):
        idempotency.replayed(
            session=session, principal=principal, key="key-00000001", operation="thing", fingerprint=first
        )


@pytest.mark.parametrize("key", ["12345678", "a" * 100, "kiosk-7:checkin.0001_x", "550e8400-e29b-41d4-a716"])
def test_header_schemas_accept_keys(key):
    headers = {"Idempotency-Key": key, "Authorization": "Bearer x"}  # other headers are ignored
    assert IdempotencyHeaderSchema().load(headers) == {"idempotency_key": key}
    assert RequiredIdempotencyHeaderSchema().load(headers) == {"idempotency_key": key}


@pytest.mark.parametrize(
    "key", ["", "1234567", "a" * 101, "key with spaces", "khóa-000001", "key/0000001", "key-0001\n"]
)
def test_header_schemas_refuse_malformed_keys(key):
    for schema in (IdempotencyHeaderSchema(), RequiredIdempotencyHeaderSchema()):
        with pytest.raises(ma.ValidationError) as refused:
            schema.load({"Idempotency-Key": key})
        assert "Idempotency-Key" in refused.value.messages


def test_the_key_header_is_optional_or_required():
    assert IdempotencyHeaderSchema().load({}) == {"idempotency_key": None}
    with pytest.raises(ma.ValidationError):
        RequiredIdempotencyHeaderSchema().load({})


def test_a_refused_request_leaves_nothing_behind_but_what_came_before(app, session, factory, principal):
    citizen = factory.citizen()

    def refused():
        _remembered(session, principal)
        raise Conflict("no")

    with app.test_request_context(), pytest.raises(Conflict):
        committed(refused)
    assert session.get(type(citizen), citizen.id) is not None
    assert session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0


def test_the_loser_of_a_race_retries_and_replays_the_winner(make_app):
    """The twin reads no key, then the winner commits first: the loser's insert fails on the unique
    constraint, and its retry finds the winner's key and replays it."""
    app = make_app()
    with app.app_context():
        factory = Factory(db.session)
        principal = _principal(factory.account(factory.citizen()))
        winner = _remembered(db.session, principal, ref="winner")
        db.session.commit()
    attempts = []

    def create():
        attempts.append(1)
        ref = idempotency.replayed(
            session=db.session, principal=principal, key="key-00000001", operation="thing", fingerprint=winner
        )
        if ref is not None and len(attempts) > 1:
            return ref
        # The first attempt behaves as if it had read before the winner committed.
        idempotency.remember(
            session=db.session,
            principal=principal,
            key="key-00000001",
            operation="thing",
            fingerprint=winner,
            resource_ref="loser",
        )
        return "loser"

    with app.test_request_context():
        assert committed(create) == "winner"
    assert len(attempts) == 2
    with app.app_context():
        refs = db.session.scalars(sa.select(IdempotencyKey.resource_ref)).all()
    assert refs == ["winner"]
