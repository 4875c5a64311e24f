"""Audit-trail schemas: what a citizen sees of who accessed their data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from marshmallow import ValidationError, fields, validate, validates_schema

from shared_schemas.base import BaseSchema, PageMetaSchema, PageQuerySchema

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^([1-9]\d{0,4})\.(\d{1,17})\.([1-9]\d{0,18})$")


class LogPosition:
    """Where a page of the access log ends: the page's number, and the time and id of its last (oldest) event.
    The next page starts strictly after it in the log's order (newest first, then highest id first), so a page
    is read from the index where the previous one stopped, however deep (keyset pagination, no OFFSET)."""

    __slots__ = ("page", "occurred_at", "event_id")

    def __init__(self, page: int, occurred_at: datetime, event_id: int) -> None:
        self.page, self.occurred_at, self.event_id = page, occurred_at, event_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LogPosition) and (self.page, self.occurred_at, self.event_id) == (
            other.page,
            other.occurred_at,
            other.event_id,
        )

    def __repr__(self) -> str:
        return f"LogPosition({self.page}, {self.occurred_at.isoformat()}, {self.event_id})"


class LogCursor(fields.Field):
    """`<page>.<microseconds since 1970 UTC>.<event id>`, opaque to clients: they pass back `meta.next`. A forged
    cursor only moves the position within the caller's own log (the query is always the caller's events)."""

    def _serialize(self, value: LogPosition | None, attr, obj, **kwargs) -> str | None:
        if value is None:
            return None
        micros = (value.occurred_at - _EPOCH) // timedelta(microseconds=1)
        return f"{value.page}.{micros}.{value.event_id}"

    def _deserialize(self, value, attr, data, **kwargs) -> LogPosition:
        match = _CURSOR.match(value) if isinstance(value, str) else None
        if not match or int(match.group(1)) > 10_000:
            raise ValidationError("not a cursor of this log: pass back meta.next")
        try:
            moment = _EPOCH + timedelta(microseconds=int(match.group(2)))
        except OverflowError:
            raise ValidationError("not a cursor of this log: pass back meta.next") from None
        return LogPosition(int(match.group(1)), moment, int(match.group(3)))


class AccessLogQuerySchema(PageQuerySchema):
    """A page of the log, optionally for a period: `since` / `until` are calendar days in Vietnam, inclusive.
    A period reads only the months it covers (the trail is kept in monthly partitions on PostgreSQL)."""

    # Bounded so the day arithmetic of the period (a day before, a day after) stays within Python's dates.
    since = fields.Date(validate=validate.Range(min=date(1970, 1, 1), max=date(2999, 12, 31)))
    until = fields.Date(validate=validate.Range(min=date(1970, 1, 1), max=date(2999, 12, 31)))
    # The page after the one that gave this `meta.next` (with the same since / until): read from where that page
    # stopped, as fast on the hundredth page as on the first. `page` is then taken from the cursor.
    after = LogCursor()

    @validates_schema
    def _ordered(self, data, **_):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("since must not be after until", "since")
        after = data.get("after")
        if after is not None and data.get("page", 1) not in (1, after.page + 1):
            raise ValidationError("page and after name different pages: give after alone", "page")


class AuditEventSchema(BaseSchema):
    occurred_at = fields.DateTime()
    actor_role = fields.String()
    actor_label = fields.String()
    action = fields.String()
    record_type = fields.String()
    purpose = fields.String()
    client_kind = fields.String()
    client_id = fields.String()


class AccessLogMetaSchema(PageMetaSchema):
    # The cursor of the next page (`?after=`), or null on the last page.
    next = LogCursor(allow_none=True)


class AuditPageSchema(BaseSchema):
    items = fields.List(fields.Nested(AuditEventSchema))
    meta = fields.Nested(AccessLogMetaSchema)
