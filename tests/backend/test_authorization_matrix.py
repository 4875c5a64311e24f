"""The authorization matrix: every API route x every role x (own record | someone else's record).

ROUTES lists each route with a rule giving the expected status for a caller and a target. A test
walks the Flask route table so that a new route cannot escape the matrix.
Domains add their routes to ROUTES (one section each).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

import pytest

from tests.backend.helpers import bearer, login

# Callers: (key, role). Targets: "own" = the caller's own citizen record where the caller is a
# citizen, else citizen A (who lives in ward 00088, Hà Nội); "other" = citizen B (ward 26740, TP HCM).
CALLERS = ["anonymous", "citizen_l1", "citizen_l2", "officer_ward", "officer_province", "officer_elsewhere",
           "hospital_staff", "fleet_admin", "kiosk", "agency", "admin"]
TARGETS = ["own", "other"]


@dataclass(frozen=True)
class Caller:
    key: str
    role: str | None
    covers: frozenset  # which targets an officer's jurisdiction covers


def citizen_only(level: int = 1, ok: int = 200) -> Callable[[Caller, str], int]:
    """Only the citizen themself (at `level` or above), on their own data."""

    def rule(caller: Caller, target: str) -> int:
        if caller.role is None:
            return 401
        if caller.role != "citizen":
            return 403
        if caller.key == "citizen_l1" and level > 1:
            return 403
        return ok

    return rule


def own_or_covering_officer(ok: int = 200, level: int = 1):
    def rule(caller: Caller, target: str) -> int:
        if caller.role is None:
            return 401
        if caller.role == "citizen":
            if caller.key == "citizen_l1" and level > 1:
                return 403
            return ok if target == "own" else 403
        if caller.role == "officer":
            return ok if target in caller.covers else 403
        return 403

    return rule


def any_authenticated(ok: int = 200):
    return lambda caller, target: 401 if caller.role is None else ok


def public(ok: int = 200):
    return lambda caller, target: ok


def roles(*allowed: str, ok: int = 200, other: int = 403):
    def rule(caller: Caller, target: str) -> int:
        if caller.role is None:
            return 401
        return ok if caller.role in allowed else other

    return rule


def officer_covering(ok: int = 200):
    def rule(caller: Caller, target: str) -> int:
        if caller.role is None:
            return 401
        if caller.role == "officer" and target in caller.covers:
            return ok
        return 403

    return rule


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {pid} is replaced by the target citizen's personal ID
    rule: Callable[[Caller, str], int]
    body: dict | Callable[[dict], dict] | None = None
    # Some routes are not about a target record: run them once (target "own").
    targeted: bool = True


ROUTES: list[Route] = [
    # --- foundation: accounts, registry, audit -----------------------------------------------------
    Route("POST", "/api/v1/auth/login", public(422), body={"username": "1", "password": ""}, targeted=False),
    Route("POST", "/api/v1/auth/register", public(422), body={}, targeted=False),
    Route("POST", "/api/v1/auth/refresh", lambda c, t: 401, targeted=False),  # access token is not a refresh token
    Route("POST", "/api/v1/auth/logout", any_authenticated(204), targeted=False),
    Route("GET", "/api/v1/accounts/me", any_authenticated(), targeted=False),
    Route("PUT", "/api/v1/accounts/{pid}/level", officer_covering(), body={"level": 2,
          "evidence": "card_and_face_in_person"}),
    Route("GET", "/api/v1/citizens/me", citizen_only(level=1), targeted=False),
    Route("GET", "/api/v1/citizens/{pid}?purpose=authorization+matrix", own_or_covering_officer()),
    Route("GET", "/api/v1/citizens?name=nguyen&purpose=authorization+matrix", roles("officer"), targeted=False),
    Route("POST", "/api/v1/citizens", roles("officer", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/administrative-units", public(), targeted=False),
    Route("GET", "/api/v1/me/access-log", citizen_only(level=1), targeted=False),
]


@pytest.fixture()
def world(client, factory):
    """Citizens A (Hà Nội, ward 00088) and B (TP HCM), and one account per caller kind."""
    a = factory.citizen(full_name="Nguyễn Văn An")
    b = factory.citizen(full_name="Lê Thị Bích", sex="female", date_of_birth=date(1995, 2, 3), ward_code="26740",
                        province_code="79", birth_province="079")
    l1 = factory.citizen(full_name="Trần Văn Cường", date_of_birth=date(1980, 7, 7))
    accounts = {
        "citizen_l1": (factory.account(l1, level=1), l1),
        "citizen_l2": (factory.account(a, level=2), a),
        "officer_ward": (factory.staff("officer", "00088"), None),
        "officer_province": (factory.staff("officer", "01"), None),
        "officer_elsewhere": (factory.staff("officer", "48"), None),
        "hospital_staff": (factory.staff("hospital_staff", "BV-TEST"), None),
        "fleet_admin": (factory.staff("fleet_admin"), None),
        "kiosk": (factory.staff("kiosk", "KIOSK-1"), None),
        "agency": (factory.staff("agency", "AGENCY-1"), None),
        "admin": (factory.staff("admin"), None),
    }
    factory.account(b, level=2)
    callers = {"anonymous": (Caller("anonymous", None, frozenset()), None, None)}
    for key, (account, own) in accounts.items():
        covers = frozenset()
        if key in ("officer_ward", "officer_province"):
            covers = frozenset({"own"})  # both cover A, neither covers B
        callers[key] = (Caller(key, account.role, covers), account, own)
    return {"callers": callers, "a": a, "b": b}


def _cases():
    for route in ROUTES:
        for caller in CALLERS:
            for target in (TARGETS if route.targeted else ["own"]):
                yield pytest.param(route, caller, target, id=f"{route.method} {route.path} {caller} {target}")


@pytest.mark.parametrize(("route", "caller_key", "target"), list(_cases()))
def test_matrix(client, world, route, caller_key, target):
    caller, account, own = world["callers"][caller_key]
    headers = {}
    if account is not None:
        headers = bearer(login(client, account.username)["access_token"])
    subject = (own or world["a"]) if target == "own" else world["b"]
    path = route.path.replace("{pid}", subject.personal_id)
    body = route.body(world) if callable(route.body) else route.body
    response = client.open(path, method=route.method, json=body, headers=headers)
    expected = route.rule(caller, target)
    assert response.status_code == expected, (caller_key, target, response.json)
    if response.status_code >= 400:
        assert response.content_type == "application/problem+json"


def test_every_api_route_is_in_the_matrix(app):
    """A new route must be added to ROUTES (and so declare who may call it)."""
    listed = {(r.method, r.path.split("?")[0].replace("{pid}", "<personal_id>")) for r in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<{arg}>", f"<{arg}>")
            normalized = path
            for converter in ("string:", "int:", "uuid:"):
                normalized = normalized.replace(f"<{converter}", "<")
            if (method, normalized) not in listed and (method, normalized.replace("<personal_id>", "{pid}")) not in listed:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes missing from the authorization matrix: {missing}"


def test_every_api_view_declares_access(app):
    """Every view method carries an @access(...) or @public rule."""
    undeclared = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            target = getattr(view_class, method.lower(), None) if view_class else view
            if getattr(target, "__access__", None) is None:
                undeclared.append(f"{method} {rule.rule}")
    assert not undeclared, f"views without an access rule: {undeclared}"
