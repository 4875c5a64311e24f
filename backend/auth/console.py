"""The one web session of every staff console (officers, hospital staff, leaders, fleet administrators): auth's
WebSession with its cookie on the whole site, the roles that may sign in, and the role-aware navigation.

A console registers its entry page with `register_console(...)` at import and guards its pages with
`signed_in(ROLE, ...)`; the navigation shows a signed-in account only the consoles its role may open. The login,
logout and home pages themselves are in backend/consoles/web.py."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, request

from backend.auth.web_session import WebSession
from backend.core.access import ADMIN, AGENCY, FLEET_ADMIN, HOSPITAL_STAFF, OFFICER

CONSOLE_ROLES = (OFFICER, HOSPITAL_STAFF, FLEET_ADMIN, AGENCY, ADMIN)
LANG_COOKIE = "congdan_lang"


def cookie_secure() -> bool:
    """Every web cookie of the site (consoles, the OpenID provider's login) is Secure unless this setting turns it
    off for tests and demos on http://127.0.0.1."""
    return bool(current_app.config.get("CONSOLE_COOKIE_SECURE", True))


def _not_for_this_role():
    """A signed-in account opened a page its role may not: say so (403), with the consoles it may open, instead
    of sending it back to the login form as if it were not signed in."""
    return render_template("consoles/forbidden.html"), 403


CONSOLE = WebSession(
    name="console",
    path="/",
    client="web-console",
    login_endpoint="consoles.login",
    max_age_s=lambda: int(current_app.config.get("CONSOLE_SESSION_HOURS", 8) * 3600),
    cookie_secure=cookie_secure,
    forbidden=_not_for_this_role,
)


def signed_in(*roles: str):
    """Guard a console page: a signed-in account of one of `roles`, CSRF on POST, one unit of work."""
    return CONSOLE.login_required(*roles)


@dataclass(frozen=True)
class ConsoleEntry:
    endpoint: str
    roles: tuple[str, ...]
    vi: str
    en: str


_ENTRIES: list[ConsoleEntry] = []


def register_console(endpoint: str, roles: tuple[str, ...], vi: str, en: str) -> None:
    """Add a console's entry page to the navigation (idempotent: module imports may repeat in tests)."""
    entry = ConsoleEntry(endpoint, tuple(roles), vi, en)
    if entry not in _ENTRIES:
        _ENTRIES.append(entry)


def entries_for(role: str | None) -> list[ConsoleEntry]:
    return [entry for entry in _ENTRIES if role in entry.roles]


def language() -> str:
    """Vietnamese first; English when the reader chose it (the switch in the header sets a cookie)."""
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"
