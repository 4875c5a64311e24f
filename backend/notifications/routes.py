"""Notification inbox endpoints: list, mark read."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.access import CITIZEN, access, current_principal
from backend.extensions import db
from backend.notifications import service
from shared_schemas.notifications import (
    InboxQuerySchema,
    InboxSchema,
    NotificationSchema,
)

blp = Blueprint("notifications", __name__, url_prefix="/notifications", description="Notification inbox")


@blp.route("")
class Inbox(MethodView):
    @access(CITIZEN, level=1)
    @blp.arguments(InboxQuerySchema, location="query")
    @blp.response(200, InboxSchema)
    def get(self, query):
        """My notifications, newest first"""
        items, total, unread = service.list_inbox(
            session=db.session,
            principal=current_principal(),
            unread_only=query["unread_only"],
            page=query["page"],
            per_page=query["per_page"],
        )
        return {"items": items, "total": total, "unread": unread, "page": query["page"], "per_page": query["per_page"]}


@blp.route("/<int:notification_id>/read")
class MarkRead(MethodView):
    @access(CITIZEN, level=1)
    @blp.response(200, NotificationSchema)
    def post(self, notification_id):
        """Mark one of my notifications read (idempotent)"""
        notification = service.mark_read(
            session=db.session, principal=current_principal(), notification_id=notification_id
        )
        return notification
