"""The front door (`/`): what congdan is and where to go from here — the staff consoles, the API documentation
(Swagger UI served from the packaged assets of flask-swagger-ui, so it works without internet), the document
verification page and the OpenID provider's discovery document."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, send_from_directory, url_for

bp = Blueprint("front", __name__, template_folder="templates")

# A document's printed link ends in "<short id>.<key>" (backend/documents/service.py: letters and digits, at
# most 40 characters); anything else is refused here rather than forwarded.
_CODE = re.compile(r"[A-Za-z0-9]{1,20}\.[A-Za-z0-9]{1,20}")
SWAGGER_ASSETS_URL = "/api/docs/assets/"


def swagger_ui_folder() -> Path:
    """Swagger UI's dist folder as shipped inside the flask-swagger-ui wheel (only its static files are used)."""
    import flask_swagger_ui

    return Path(flask_swagger_ui.__file__).parent / "dist"


@bp.get("/")
def front_door():
    return render_template("consoles/front.html", code_error=False)


@bp.get("/verify")
def verify_code():
    """The front door's "check a document" form: the code printed under a document's QR, typed by hand."""
    code = request.args.get("code", "").strip().rsplit("/", 1)[-1]
    if len(code) > 40 or not _CODE.fullmatch(code):
        return render_template("consoles/front.html", code_error=True), 400
    return redirect(url_for("verify_page.verify_page", code=code))


@bp.get(SWAGGER_ASSETS_URL + "<path:filename>")
def swagger_asset(filename: str):
    if not filename.endswith((".js", ".css", ".png")):
        abort(404)
    response = send_from_directory(swagger_ui_folder(), filename, max_age=86400)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
