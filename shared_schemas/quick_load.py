"""A cheaper `Schema.load` for hot, simple schemas (the kiosk heartbeat: 333 a second, issue 21), with exactly
marshmallow's answers.

`QuickLoad` checks a body against a plan built once from the schema's own fields and validators, and returns
what marshmallow's load returns when every value is plainly valid: exact JSON types (str, int, bool, None, dict),
no unknown names, every required member present, every validator of the field passing (the field's own
validator objects are called). Anything else - a wrong type, a value marshmallow would convert (the string
"5" for an Integer, "true" for a Boolean), a refused value, an unknown key - goes through marshmallow's
`load` unchanged, so every refusal and every error message is marshmallow's. A schema or field the plan does
not understand (other field classes, data_key/attribute, field-level hooks, `@validates`, `@validates_schema`,
`post_load`, `unknown` other than RAISE, many/partial/only/exclude) makes the whole schema use marshmallow.

Why by hand: marshmallow spends ~5 µs of bookkeeping per field value (error stores, getters, And() of the
validators); the heartbeat has about thirty values, which made its load 145 µs, the largest part of a
heartbeat's view after the signature. DeepFriedMarshmallow (the maintained JIT fork of toasted-marshmallow)
generates its own conversion code per field type - semantics to audit against marshmallow 4 - and logs a
warning with a traceback for every refused input, so it does not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from marshmallow import fields
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

missing = ma.missing


class _Declined(Exception):
    """The quick path does not vouch for this input: marshmallow decides."""


class _Unsupported(Exception):
    """The schema or field has something the plan does not reproduce: marshmallow always decides."""


_DECLINE = _Declined()


def _default(field: fields.Field) -> Callable[[], Any]:
    if field.required:

        def required() -> Any:
            raise _DECLINE

        return required
    default = field.load_default
    return default if callable(default) else (lambda: default)


def _validated(field: fields.Field, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The field's value: missing -> its load_default, None -> None when allowed, else convert then validate
    (as Field.deserialize: the validators do not run on a default or on None)."""
    if field.pre_load or field.post_load:
        raise _Unsupported(f"{field!r}: field-level processors")
    validators = tuple(field.validators)
    allow_none = field.allow_none
    default = _default(field)

    def load(value: Any) -> Any:
        if value is missing:
            return default()
        if value is None:
            if allow_none:
                return None
            raise _DECLINE
        value = convert(value)
        for validator in validators:
            try:
                refused = validator(value) is False  # as And(): a plain callable answering False refuses
            except Exception:  # a ValidationError (or anything else): marshmallow gives the answer
                raise _DECLINE from None
            if refused:
                raise _DECLINE
        return value

    return load


def _exact(kind: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if type(value) is not kind:  # bool is not an int here: marshmallow refuses True for an Integer
            raise _DECLINE
        return value

    return convert


def _boolean(value: Any) -> bool:
    if value is True or value is False:  # in the default truthy/falsy sets: marshmallow returns it as is
        return value
    raise _DECLINE


def _field_plan(field: fields.Field) -> Callable[[Any], Any]:
    from shared_schemas.fleet import Record  # the heartbeat's small fixed objects (no import cycle at call time)

    kind = type(field)
    if kind is fields.String:
        return _validated(field, _exact(str))
    if kind is fields.Integer:
        return _validated(field, _exact(int))
    if kind is fields.Boolean:
        if field.truthy != fields.Boolean.truthy or field.falsy != fields.Boolean.falsy:
            raise _Unsupported(f"{field!r}: own truthy/falsy")
        return _validated(field, _boolean)
    if kind is Record:
        return _validated(field, _record_plan(field))
    if kind is fields.Dict:
        return _validated(field, _dict_plan(field))
    if kind is fields.Nested:
        if field.many or field.only or field.exclude or field.unknown not in (None, ma.RAISE):
            raise _Unsupported(f"{field!r}: nested options")
        if not isinstance(field.schema, ma.Schema) or field.schema.many or field.schema.partial:
            raise _Unsupported(f"{field!r}: nested schema")
        return _validated(field, schema_plan(field.schema))
    raise _Unsupported(f"{field!r}: field class {kind.__name__}")


def _record_plan(record) -> Callable[[Any], Any]:
    members = tuple((name, _field_plan(member)) for name, member in record.members.items())
    names = frozenset(record.members)
    check = record.check

    def convert(value: Any) -> dict:
        if type(value) is not dict or not value.keys() <= names:
            raise _DECLINE
        loaded = {}
        for name, plan in members:
            result = plan(value.get(name, missing))
            if result is not missing:
                loaded[name] = result
        if check is not None:
            try:
                check(loaded)
            except ma.ValidationError:
                raise _DECLINE from None
        return loaded

    return convert


def _dict_plan(field: fields.Dict) -> Callable[[Any], Any]:
    if field.mapping_type is not dict:
        raise _Unsupported(f"{field!r}: mapping type")
    key_plan = _field_plan(field.key_field) if field.key_field is not None else (lambda key: key)
    value_plan = _field_plan(field.value_field) if field.value_field is not None else (lambda value: value)

    def convert(value: Any) -> dict:
        if type(value) is not dict:
            raise _DECLINE
        return {key_plan(key): value_plan(item) for key, item in value.items()}

    return convert


def schema_plan(schema: ma.Schema) -> Callable[[Any], Any]:
    """The quick load of one (not many, not partial, unknown=RAISE) schema; raises _Unsupported."""
    hooks = schema._hooks
    if hooks[VALIDATES] or hooks[VALIDATES_SCHEMA] or hooks[POST_LOAD]:
        raise _Unsupported(f"{schema!r}: validators or post_load")
    if schema.many or schema.partial or schema.unknown != ma.RAISE or schema.dict_class is not dict:
        raise _Unsupported(f"{schema!r}: options")
    plans = []
    for name, field in schema.load_fields.items():
        if field.data_key is not None or field.attribute is not None or "." in name:
            raise _Unsupported(f"{schema!r}.{name}: data_key/attribute")
        plans.append((name, _field_plan(field)))
    plans = tuple(plans)
    names = frozenset(name for name, _plan in plans)
    pre_load = bool(hooks[PRE_LOAD])

    def load(data: Any) -> dict:
        if type(data) is not dict:
            raise _DECLINE
        if pre_load:
            try:
                data = schema._invoke_load_processors(
                    PRE_LOAD, data, many=False, original_data=data, partial=schema.partial, unknown=ma.RAISE
                )
            except ma.ValidationError:
                raise _DECLINE from None
            if type(data) is not dict:
                raise _DECLINE
        if not data.keys() <= names:
            raise _DECLINE
        result = {}
        for name, plan in plans:
            value = plan(data.get(name, missing))
            if value is not missing:
                result[name] = value
        return result

    return load


class QuickLoad:
    """Mixin for a Schema: `load(data)` of plainly valid data takes the quick plan, everything else (and every
    call with many/partial/unknown other than the schema's) is marshmallow's own load."""

    _quick_plan: Callable[[Any], Any] | None

    def load(self, data, *, many=None, partial=None, unknown=None):
        if many is None and partial is None and unknown in (None, ma.RAISE):
            plan = self.__dict__.get("_quick_plan", missing)
            if plan is missing:
                try:
                    plan = schema_plan(self)
                except _Unsupported:
                    plan = None
                self._quick_plan = plan
            if plan is not None:
                try:
                    return plan(data)
                except _Declined:
                    pass
        return super().load(data, many=many, partial=partial, unknown=unknown)
