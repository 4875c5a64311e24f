"""The citizen's view of the audit trail: who accessed my data, when, and why."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.audit import cursor, service
from backend.core.access import CITIZEN, access, current_principal
from backend.extensions import db
from shared_schemas.audit import AccessLogQuerySchema, AuditPageSchema

blp = Blueprint("audit", __name__, url_prefix="/", description="Who accessed my data")


@blp.route("/me/access-log")
class OwnAccessLog(MethodView):
    @access(CITIZEN, level=1)
    @blp.arguments(AccessLogQuerySchema, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, query):
        """Every read or change of my data by someone else, newest first, optionally for a period (read-only).

        Follow `meta.next` with `?after=` for the next page (the same `since` / `until`); `page` jumps by number."""
        principal = current_principal()
        scope = {
            "citizen_id": principal.citizen_id,
            "per_page": query["per_page"],
            "since": query.get("since"),
            "until": query.get("until"),
        }
        after = query.get("after")
        result = service.list_for_citizen(
            session=db.session,
            page=query["page"],
            after=cursor.decode(after, **scope) if after is not None else None,
            **scope,
        )
        following = cursor.encode(result.next, **scope)
        meta = {"page": result.page, "per_page": query["per_page"], "total": result.total, "next": following}
        return {"items": result.events, "meta": meta}
