"""The consoles' shared pages: the one login and logout, the console home, the language switch, and the layout
(templates/consoles/base.html) every console page extends. The session itself is backend/auth/console.py."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from backend.auth.console import CONSOLE, CONSOLE_ROLES, LANG_COOKIE, entries_for, language, signed_in
from backend.auth.web_session import FORM_CONTENT_TYPES, LoginRefused
from backend.core.unit_of_work import unit_of_work
from backend.extensions import limiter

bp = Blueprint(
    "consoles",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/console/static",
)


@bp.app_context_processor
def _console_helpers():
    def bi(vi: str, en: str) -> Markup:
        """Both languages, the chosen one first; the other in a quieter span."""
        first, second = (en, vi) if language() == "en" else (vi, en)
        if first == second:
            return Markup('<span class="first">{}</span>').format(first)
        return Markup('<span class="first">{}</span> <span class="second">{}</span>').format(first, second)

    principal = CONSOLE.principal()
    return {
        "console_bi": bi,
        "console_lang": language(),
        "console_nav": entries_for(principal.role if principal else None),
        "console_principal": principal,
        "console_csrf": CONSOLE.csrf_token,
    }


def page(template: str, **context):
    return render_template(template, **context)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@unit_of_work
def login():
    if request.method != "POST":
        return CONSOLE.login_form(lambda: page("consoles/login.html", error=None))
    try:
        account = CONSOLE.log_in(*CONSOLE_ROLES)
    except LoginRefused as refused:
        message = refused.message
        response = CONSOLE.login_form(lambda: page("consoles/login.html", error=message))
        response.status_code = refused.status
        if refused.retry_after is not None:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    entries = entries_for(account.role)
    target = url_for(entries[0].endpoint) if len(entries) == 1 else url_for("consoles.home")
    response = redirect(target)
    CONSOLE.start(account, response)
    return response


login.accepts_content_types = FORM_CONTENT_TYPES


@bp.route("/logout", methods=["POST"])
@signed_in(*CONSOLE_ROLES)
def logout():
    response = redirect(url_for("consoles.login"))
    CONSOLE.logout(response)
    return response


@bp.route("/console/")
@signed_in(*CONSOLE_ROLES)
def home():
    return page("consoles/home.html")


@bp.route("/console/language")
def switch_language():
    """The language switch: a preference cookie only (no session needed, so the login page has it too). It
    returns to the page it was chosen on — a path on this site only, never another host."""
    back = request.args.get("next", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = url_for("consoles.login")
    response = redirect(back)
    lang = "en" if request.args.get("lang") == "en" else "vi"
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response
