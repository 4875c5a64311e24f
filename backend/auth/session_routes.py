"""Session endpoints: my sessions (list, end one, end the others) and an account's status (disable ends all)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.auth import sessions
from backend.core.access import ADMIN, ALL_ROLES, OFFICER, access, current_principal
from backend.extensions import db
from shared_schemas.auth import AccountSchema
from shared_schemas.sessions import AccountStatusSchema, SessionSchema, SessionsEndedSchema

blp = Blueprint("sessions", __name__, url_prefix="/accounts", description="Sessions and account status")


@blp.route("/me/sessions")
class OwnSessions(MethodView):
    @access(*ALL_ROLES)
    @blp.response(200, SessionSchema(many=True))
    def get(self):
        """My open sessions (devices I am logged in on); `current` marks this one"""
        return sessions.list_sessions(session=db.session, principal=current_principal())

    @access(*ALL_ROLES)
    @blp.response(200, SessionsEndedSchema)
    def delete(self):
        """End all my other sessions (this one stays open)"""
        ended = sessions.end_other_sessions(session=db.session, principal=current_principal())
        return {"ended": ended}


@blp.route("/me/sessions/<string:session_id>")
class OwnSession(MethodView):
    @access(*ALL_ROLES)
    @blp.response(204)
    def delete(self, session_id):
        """End one of my sessions: its tokens stop working at once"""
        sessions.end_session(session=db.session, principal=current_principal(), family_id=session_id)


@blp.route("/<string:username>/status")
class AccountStatus(MethodView):
    @access(ADMIN, OFFICER)
    @blp.arguments(AccountStatusSchema)
    @blp.response(200, AccountSchema)
    def put(self, data, username):
        """Disable an account (ending all its sessions at once) or re-enable it; audited with who and why.
        Admins: any account. Officers: citizens' accounts in their jurisdiction."""
        account = sessions.set_status(
            session=db.session,
            principal=current_principal(),
            username=username,
            status=data["status"],
            reason=data["reason"],
        )
        return account
