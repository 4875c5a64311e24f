"""Audit-trail schemas: what a citizen sees of who accessed their data."""

from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema

from shared_schemas.base import BaseSchema, PageMetaSchema, PageQuerySchema


class AccessLogQuerySchema(PageQuerySchema):
    """A page of the log, optionally for a period: `since` / `until` are calendar days in Vietnam, inclusive.
    A period reads only the months it covers (the trail is kept in monthly partitions on PostgreSQL)."""

    # Bounded so the day arithmetic of the period (a day before, a day after) stays within Python's dates.
    since = fields.Date(validate=validate.Range(min=date(1970, 1, 1), max=date(2999, 12, 31)))
    until = fields.Date(validate=validate.Range(min=date(1970, 1, 1), max=date(2999, 12, 31)))
    # The page after the one that gave this `meta.next` (with the same since / until): read from where that page
    # stopped, as fast on the hundredth page as on the first; `meta.page` and `meta.total` come with it (the total
    # as counted on the first page).
    # Opaque and signed by the server; a tampered or foreign cursor is refused.
    after = fields.String(validate=validate.Length(min=1, max=200))

    @validates_schema
    def _ordered(self, data, **_):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("since must not be after until", "since")
        if data.get("after") is not None and data.get("page", 1) != 1:
            raise ValidationError("a cursor names its page: give after alone", "page")


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
    next = fields.String(allow_none=True)


class AuditPageSchema(BaseSchema):
    items = fields.List(fields.Nested(AuditEventSchema))
    meta = fields.Nested(AccessLogMetaSchema)
