"""The public waiting-room screen of a hospital: the numbers being called per department, in big type, read-only,
no login. Its address carries a signed token the staff console creates (hard to guess, bound to one hospital,
valid for a year); the screen shows ticket numbers and rooms, never a name."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend.core import clock
from backend.core.unit_of_work import unit_of_work
from backend.errors import NotFound
from backend.extensions import db
from backend.health import queue_staff

bp = Blueprint("waiting_room", __name__, url_prefix="/waiting-room", template_folder="templates")

TOKEN_SALT = "congdan.waiting-room.v1"
TOKEN_MAX_AGE_S = 366 * 86400
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
    "media-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=TOKEN_SALT)


def token_for(hospital_code: str) -> str:
    return _serializer().dumps({"h": hospital_code})


def hospital_code_of(token: str) -> str:
    try:
        data = _serializer().loads(token, max_age=TOKEN_MAX_AGE_S)
    except BadSignature:
        abort(404)
    if not isinstance(data, dict) or not isinstance(data.get("h"), str):
        abort(404)
    return data["h"]


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is the key to the screen
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _board(token: str) -> dict:
    try:
        hospital, departments = queue_staff.waiting_board(session=db.session, hospital_code=hospital_code_of(token))
    except NotFound:
        abort(404)
    return {"hospital": hospital, "departments": departments, "token": token, "now": clock.now()}


@bp.route("/<string:token>")
@unit_of_work
def screen(token: str):
    return render_template("consoles/waiting_room/screen.html", **_board(token))


@bp.route("/<string:token>/board")
@unit_of_work
def board(token: str):
    """The refreshing part of the screen (polled every few seconds)."""
    return render_template("consoles/waiting_room/board.html", **_board(token))
