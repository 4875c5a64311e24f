"""The quick heartbeat load (shared_schemas/quick_load.py) answers exactly as marshmallow's own load: the same
data for every accepted body, the same refusal and messages for every other, on bodies mutated at random."""

from __future__ import annotations

import copy

import marshmallow as ma
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_schemas.fleet import HeartbeatSchema
from shared_schemas.quick_load import QuickLoad

VALID = {
    "app_version": "1.4.2",
    "uptime_s": 45,
    "config_version": 0,
    "locked": False,
    "devices": {"card_reader": "ok", "camera": "paper_out", "printer": "ok"},
    "paper_low": True,
    "outbox_backlog": 2,
    "last_error": None,
    "metrics": {
        "scans": {"chip": {"attempted": 3, "succeeded": 3}, "cccd_qr": {"attempted": 1, "succeeded": 0}},
        "checkins_completed": 2,
        "step_ms": {"identify": {"count": 2, "total_ms": 9000}},
    },
}

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=5),
    st.sampled_from([2**31 - 1, 2**31, 10**10, 10**10 + 1, 100_000, 100_001, 10**7, 10 * 366 * 86_400 + 1]),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-2, max_value=3),
    st.sampled_from(["", "ok", "error", "missing", "5", "true", "1", "x" * 33, "a\x00b", "chip", "identify"]),
    st.sampled_from([{}, [], [1], {"ok": 1}, {"attempted": 1, "succeeded": 2}, {"count": 1, "total_ms": 1}]).map(
        copy.deepcopy  # fresh each draw: the mutations below must not change the pool
    ),
)
KEYS = st.sampled_from(
    ["app_version", "uptime_s", "config_version", "locked", "devices", "paper_low", "outbox_backlog", "last_error"]
    + ["metrics", "scans", "step_ms", "chip", "cccd_qr", "signed_qr", "identify", "ticket", "card_reader"]
    + ["attempted", "succeeded", "count", "total_ms", "checkins_completed", "role", "level"]
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))


@st.composite
def mutated(draw):
    body = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths = [path for path in _paths(body) if path]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(VALUES)
        elif action == "delete":
            del parent[path[-1]]
        else:
            parent[draw(KEYS)] = draw(VALUES)
    return body


STATES = st.sampled_from(["ok", "error", "missing", "paper_out"])


def _count(maximum):
    return st.one_of(st.integers(min_value=0, max_value=maximum), st.sampled_from([0, maximum]))


@st.composite
def valid(draw):
    """Heartbeats marshmallow accepts, with optional members left out and values at their bounds."""
    body = {
        "app_version": draw(st.text(min_size=1, max_size=32, alphabet="0123456789.abc-")),
        "uptime_s": draw(_count(10 * 366 * 86_400)),
        "config_version": draw(st.one_of(st.none(), _count(2**31 - 1))),
        "devices": {name: draw(STATES) for name in ("card_reader", "camera", "printer")},
    }
    optional = {
        "locked": st.booleans(),
        "paper_low": st.booleans(),
        "outbox_backlog": _count(10**7),
        "last_error": st.one_of(st.none(), st.text(max_size=200, alphabet="abc xyz\n")),
        "metrics": st.fixed_dictionaries(
            {},
            optional={
                "scans": st.dictionaries(
                    st.sampled_from(["chip", "cccd_qr", "signed_qr", "id_and_dob"]),
                    _count(100_000).flatmap(
                        lambda attempted: st.fixed_dictionaries(
                            {"attempted": st.just(attempted), "succeeded": _count(attempted)}
                        )
                    ),
                ),
                "checkins_completed": _count(100_000),
                "step_ms": st.dictionaries(
                    st.sampled_from(["identify", "insurance", "department", "ticket"]),
                    st.fixed_dictionaries({"count": _count(100_000), "total_ms": _count(10**10)}),
                ),
            },
        ),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            body[name] = draw(strategy)
    return body


def _outcome(load, body):
    try:
        return "loaded", load(copy.deepcopy(body))
    except ma.ValidationError as error:
        return "refused", error.messages


def _marshmallow_load(body):
    return ma.Schema.load(HeartbeatSchema(), body)  # marshmallow's own load, past the quick path


QUICK = HeartbeatSchema()


@settings(max_examples=1500, deadline=None)
@given(mutated())
def test_quick_load_answers_as_marshmallow(body):
    assert _outcome(QUICK.load, body) == _outcome(_marshmallow_load, body)


@settings(max_examples=500, deadline=None)
@given(valid())
def test_valid_heartbeats_load_as_with_marshmallow(body):
    quick = _outcome(QUICK.load, body)
    assert quick[0] == "loaded" and quick == _outcome(_marshmallow_load, body)


def test_the_quick_path_is_taken_for_a_valid_heartbeat(monkeypatch):
    schema = HeartbeatSchema()
    assert schema.load(VALID) == _marshmallow_load(VALID)
    assert schema._quick_plan is not None  # the plan was built: HeartbeatSchema has nothing it declines

    def no_marshmallow(*_args, **_kwargs):
        raise AssertionError("marshmallow's load ran")

    monkeypatch.setattr(ma.Schema, "_do_load", no_marshmallow)
    assert schema.load(VALID)["metrics"]["scans"]["chip"] == {"attempted": 3, "succeeded": 3}
    with pytest.raises(AssertionError, match="marshmallow's load ran"):
        schema.load({**VALID, "uptime_s": "45"})  # a string marshmallow would convert: marshmallow decides


def test_a_schema_the_plan_does_not_cover_uses_marshmallow():
    class WithEmail(QuickLoad, ma.Schema):
        email = ma.fields.Email(required=True)
        count = ma.fields.Integer(load_default=0)

    schema = WithEmail()
    assert schema.load({"email": "a@example.org"}) == {"email": "a@example.org", "count": 0}
    assert schema._quick_plan is None
    with pytest.raises(ma.ValidationError) as refused:
        schema.load({"email": "nope", "other": 1})
    assert refused.value.messages == {"email": ["Not a valid email address."], "other": ["Unknown field."]}


def test_other_load_options_go_through_marshmallow():
    body = {**VALID, "extra": 1}
    assert QUICK.load(body, unknown=ma.EXCLUDE) == _marshmallow_load(VALID)
    assert QUICK.load({"app_version": "1"}, partial=True) == {"app_version": "1"}
