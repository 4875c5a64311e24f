"""The expensive-route budget of the load shedder names the app's real routes (issue 12: 16 anonymous logins
turned 94 % of unrelated calls into 503 when every route shared one budget)."""

from __future__ import annotations

from backend.overload import LoadShedder, is_expensive


def _concrete(rule: str) -> str:
    return (
        rule.replace("<int:job_id>", "7")
        .replace("<string:code>", "SGD")
        .replace("<string:personal_id>", "001090000123")
    )


def test_expensive_routes_are_the_costly_ones(app):
    rules = {
        (method, _concrete(rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    expensive = {(method, path) for method, path in rules if is_expensive(method, path)}
    for must in [
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/refresh"),
        ("POST", "/api/v1/verification/jobs"),
        ("GET", "/api/v1/verification/jobs/7/results"),
        ("POST", "/login"),
    ]:
        assert must in rules and must in expensive, must
    for cheap in [
        ("GET", "/api/v1/citizens/me"),
        ("GET", "/api/v1/verification/jobs/7"),
        ("GET", "/login"),
        ("GET", "/healthz"),
    ]:
        assert cheap in rules and cheap not in expensive, cheap


def test_the_app_installs_both_budgets(make_app):
    app = make_app(MAX_IN_FLIGHT=8, MAX_EXPENSIVE_IN_FLIGHT=3)
    assert isinstance(app.wsgi_app, LoadShedder)
    assert (app.wsgi_app.max_in_flight, app.wsgi_app.max_expensive) == (8, 3)
