"""Notification inbox schemas."""

from __future__ import annotations

from marshmallow import fields

from shared_schemas.base import BaseSchema, PageQuerySchema


class NotificationSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String(
        metadata={
            "description": "application-received, owner-consent-needed, application-approved, "
            "application-rejected, document-issued, residence-ending-soon, ..."
        }
    )
    title = fields.String()
    body = fields.String()
    ref = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxQuerySchema(PageQuerySchema):
    unread_only = fields.Boolean(load_default=False)


class InboxSchema(BaseSchema):
    items = fields.List(fields.Nested(NotificationSchema))
    total = fields.Integer()
    unread = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
