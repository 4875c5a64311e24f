"""Schemathesis against our own OpenAPI document, as each role: no 5xx, responses match their documented
schemas, every error is problem details. Bounded here (CI); `make fuzz` runs the bigger search."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from backend.extensions import db
from tests.backend.helpers import Factory, login

MAX_EXAMPLES = int(os.environ.get("CONGDAN_FUZZ_EXAMPLES", "8"))
# Operations that end or spend the tokens the run relies on (`make fuzz` runs this same test).
SESSION_ENDING = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/refresh"),
    ("DELETE", "/api/v1/accounts/me/sessions"),
    ("DELETE", "/api/v1/accounts/me/sessions/{session_id}"),
    ("PUT", "/api/v1/accounts/{username}/status"),
}
ROLES = ("anonymous", "citizen", "officer", "hospital_staff", "fleet_admin", "kiosk", "agency", "admin")


@pytest.fixture(scope="module")
def fuzz_app(database_server):
    from backend import create_app
    from tests.backend.conftest import app_config

    application = create_app(app_config(database_server()))
    tokens = {}
    with application.app_context():
        factory = Factory(db.session)
        citizen = factory.citizen()
        factory.holdings(citizen)
        accounts = {"citizen": factory.account(citizen, level=2)}
        for role, scope in (
            ("officer", "00088"),
            ("hospital_staff", "BV-BACHMAI"),
            ("fleet_admin", None),
            ("kiosk", "KIOSK-FUZZ"),
            ("agency", "AGENCY-FUZZ"),
            ("admin", None),
        ):
            accounts[role] = factory.staff(role, scope)
        db.session.commit()
        usernames = {role: account.username for role, account in accounts.items()}
    client = application.test_client()
    for role, username in usernames.items():
        tokens[role] = login(client, username)["access_token"]
    application.config["FUZZ_TOKENS"] = tokens
    yield application
    application.extensions["congdan.db"]["engine"].dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_holds_under_generated_input(case, fuzz_app):
    if (case.method.upper(), case.path) in SESSION_ENDING:
        pytest.skip("it would end (or rotate) the role's session for the rest of the run")
    for role in ROLES:  # the same generated request, as each kind of caller
        headers = {}
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {fuzz_app.config['FUZZ_TOKENS'][role]}"
        # Business rules reject some schema-valid data (an unknown ward code, a wrong birth date): that is
        # correct behaviour, so the "positive data must be accepted" check does not apply to this API.
        response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
        if response.status_code >= 400:
            content_type = response.headers.get("content-type", [""])[0]  # lowercase keys, list values
            assert content_type.startswith("application/problem+json"), (role, response.status_code, response.text)
