"""BaseSchema and the common fields every congdan schema uses."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import marshmallow as ma
from marshmallow import fields

from shared_schemas import personal_id
from shared_schemas.clock import VIETNAM_TZ
from shared_schemas.text import nfc

# C0 controls other than tab/newline/CR, DEL and C1 controls: never meaningful in our text fields, and
# PostgreSQL refuses NUL outright (it would surface as a 500 instead of a clear 422).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_MESSAGE = "Control characters are not allowed."


class BaseSchema(ma.Schema):
    """Unknown fields are an error: a client that sends `role` or `level` is told, not ignored."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    @ma.pre_load
    def _refuse_control_characters(self, data, **_kwargs):
        if type(data) is dict:  # a JSON body: one pass over its items (the general loop below is 3x the CPU)
            search = _CONTROL_RE.search
            bad = {key: [_CONTROL_MESSAGE] for key, value in data.items() if isinstance(value, str) and search(value)}
            if bad:
                raise ma.ValidationError(bad)
            return data
        if not hasattr(data, "keys"):
            return data
        bad = {}
        for key in data.keys():
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            if any(isinstance(v, str) and _CONTROL_RE.search(v) for v in values):
                bad[key] = [_CONTROL_MESSAGE]
        if bad:
            raise ma.ValidationError(bad)
        return data


class PersonalId(fields.String):
    """A 12-digit personal identification number, checked for structure."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault(
            "description", "12-digit personal identification number (số định danh cá nhân)"
        )
        kwargs["metadata"].setdefault("example", "001090012345")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            personal_id.parse(text)
        except personal_id.PersonalIdError as exc:
            raise ma.ValidationError(str(exc)) from exc
        return text


# Letters (any script, with marks), spaces, apostrophes and hyphens; no digits or punctuation.
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")


class PersonName(fields.String):
    """A person's full name, NFC-normalised, letters only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "Nguyễn Văn An")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = nfc(super()._deserialize(value, attr, data, **kwargs))
        if not 2 <= len(text) <= 100:
            raise ma.ValidationError("A name has between 2 and 100 characters.")
        if not _NAME_RE.match(text) or any(unicodedata.category(c) == "Cc" for c in text):
            raise ma.ValidationError("A name contains only letters, spaces, apostrophes and hyphens.")
        return text


class PastDate(fields.Date):
    """An ISO date (YYYY-MM-DD) not in the future and not before 1900."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        # Vietnam's date, not the server's: a birth at 06:00 in Hà Nội is still "yesterday" in UTC. The wall
        # clock, because this layer is shared with the kiosk and cannot read the backend's service clock.
        if parsed > datetime.now(VIETNAM_TZ).date():
            raise ma.ValidationError("The date is in the future.")
        if parsed.year < 1900:
            raise ma.ValidationError("The date is before 1900.")
        return parsed


def sex_field(**kwargs) -> fields.String:
    return fields.String(validate=ma.validate.OneOf([personal_id.MALE, personal_id.FEMALE]), **kwargs)


# Letters, digits and _ . : - (a UUID or "kiosk-7:1234" fits); long enough not to collide by chance.
# \Z, not $: "$" would also accept a trailing newline.
IDEMPOTENCY_KEY = ma.validate.Regexp(r"^[A-Za-z0-9_.:-]{8,100}\Z", error="8-100 letters, digits or _ . : -")


def _idempotency_key(**kwargs) -> fields.String:
    description = "Retrying with the same key returns the first result"
    return fields.String(
        data_key="Idempotency-Key", validate=IDEMPOTENCY_KEY, metadata={"description": description}, **kwargs
    )


class IdempotencyHeaderSchema(ma.Schema):
    """Only the optional Idempotency-Key header (every other header is ignored): a retry with the same key
    and body replays the first result; the same key with another body is refused (409)."""

    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = _idempotency_key(load_default=None)


class RequiredIdempotencyHeaderSchema(IdempotencyHeaderSchema):
    """The Idempotency-Key header, required where money or tickets are created."""

    idempotency_key = _idempotency_key(required=True)


class PageQuerySchema(BaseSchema):
    page = fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class PageMetaSchema(BaseSchema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
