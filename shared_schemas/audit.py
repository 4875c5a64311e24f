"""Audit-trail schemas: what a citizen sees of who accessed their data."""

from __future__ import annotations

from marshmallow import fields

from shared_schemas.base import BaseSchema, PageMetaSchema


class AuditEventSchema(BaseSchema):
    occurred_at = fields.DateTime()
    actor_role = fields.String()
    actor_label = fields.String()
    action = fields.String()
    record_type = fields.String()
    purpose = fields.String()
    client_kind = fields.String()
    client_id = fields.String()


class AuditPageSchema(BaseSchema):
    items = fields.List(fields.Nested(AuditEventSchema))
    meta = fields.Nested(PageMetaSchema)
