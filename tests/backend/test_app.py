"""The app as a whole: one error format, probes, API documents, configuration safety."""

from __future__ import annotations

import pytest

from backend import create_app
from backend.config import ConfigError

PROBLEM = "application/problem+json"


def _is_problem(response, status):
    assert response.status_code == status
    assert response.content_type == PROBLEM
    body = response.json
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def test_unknown_route_is_problem_details(client):
    _is_problem(client.get("/api/v1/no-such-thing"), 404)


def test_wrong_method_is_problem_details_with_allow(client):
    response = client.delete("/api/v1/citizens/me")
    body = _is_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    assert body["code"] == "method-not-allowed"


def test_wrong_content_type_is_415(client):
    _is_problem(
        client.post("/api/v1/auth/login", data="username=x", content_type="application/x-www-form-urlencoded"), 415
    )


def test_oversized_body_is_413(client, app):
    huge = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    _is_problem(client.post("/api/v1/auth/login", data=huge, content_type="application/json"), 413)


def test_malformed_json_is_400_or_422(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.content_type == PROBLEM


def test_validation_errors_name_each_field(client):
    body = _is_problem(
        client.post(
            "/api/v1/auth/register",
            json={
                "personal_id": "12",
                "full_name": "X1",
                "date_of_birth": "3000-01-01",
                "phone": "1",
                "password": "short",
                "role": "admin",
            },
        ),
        422,
    )
    fields = body["errors"]["json"]
    assert {"personal_id", "full_name", "date_of_birth", "phone", "password", "role"} <= set(fields)
    assert fields["role"] == ["Unknown field."]


def test_crash_is_problem_details_without_trace(make_app):
    application = make_app()

    @application.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = application.test_client().get("/boom")
    body = _is_problem(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["code"] == "internal-error"


def test_probes(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json["database"] == "ok"


def test_readyz_reports_unreachable_database():
    application = create_app(
        {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "ENV_NAME": "testing", "TESTING": True}
    )
    response = application.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.content_type == PROBLEM
    application.extensions["congdan.db"]["engine"].dispose()


def test_openapi_document_and_docs(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert all(path.startswith("/api/v1/") for path in spec["paths"])
    assert "/api/v1/citizens/me" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_security_headers(client):
    response = client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_production_refuses_to_generate_secrets_where_nobody_chose(monkeypatch, tmp_path):
    monkeypatch.setenv("CONGDAN_ENV", "production")
    for key in ("SECRET_KEY", "JWT_SECRET_KEY", "PAYMENT_GATEWAY_SECRET", "OIDC_PAIRWISE_SECRET", "SECRETS_DIR"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_secrets_must_be_long_and_distinct(monkeypatch):
    monkeypatch.setenv("CONGDAN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("JWT_SECRET_KEY", "s" * 40)  # the same value for two purposes
    monkeypatch.setenv("PAYMENT_GATEWAY_SECRET", "p" * 40)
    with pytest.raises(ConfigError, match="differ"):
        create_app({"DATABASE_URL": "sqlite://"})
    monkeypatch.setenv("JWT_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_production_starts_with_real_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("CONGDAN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("JWT_SECRET_KEY", "j" * 40)
    monkeypatch.setenv("PAYMENT_GATEWAY_SECRET", "p" * 40)
    monkeypatch.setenv("OIDC_PAIRWISE_SECRET", "o" * 40)
    application = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/p.db"})
    assert application.config["ENV_NAME"] == "production"
    application.extensions["congdan.db"]["engine"].dispose()


def test_unknown_query_parameters_are_refused_like_unknown_body_fields(client, factory):
    from tests.backend.helpers import bearer, login

    admin = factory.staff("fleet_admin")
    headers = bearer(login(client, admin.username)["access_token"])
    response = client.get("/api/v1/fleet/kiosks?connectivity=online&role=admin", headers=headers)
    assert response.status_code == 422 and response.json["errors"] == {"query": {"role": ["Unknown field."]}}
    assert client.get("/api/v1/fleet/kiosks?connectivity=online", headers=headers).status_code == 200


def test_production_accepts_generated_secrets_only_in_a_folder_the_operator_chose(monkeypatch, tmp_path):
    monkeypatch.setenv("CONGDAN_ENV", "production")
    for key in ("SECRET_KEY", "JWT_SECRET_KEY", "PAYMENT_GATEWAY_SECRET", "OIDC_PAIRWISE_SECRET"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path / "shared-secrets"))
    application = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/p.db"})
    assert (tmp_path / "shared-secrets" / "JWT_SECRET_KEY").read_text() == application.config["JWT_SECRET_KEY"]
    application.extensions["congdan.db"]["engine"].dispose()


def test_a_served_app_freezes_what_it_built_unless_told_not_to(tmp_path):
    """Frozen objects are left out of the cyclic collector's walks (backend/app.py): a served app (development
    settings) freezes what create_app built, once, in its own process; GC_FREEZE=0 (the test suite) does not."""
    import os
    import subprocess
    import sys

    script = (
        "import gc; from backend import create_app; "
        f"create_app({{'DATABASE_URL': 'sqlite:///{tmp_path}/served.db'}}); print(gc.get_freeze_count())"
    )
    env = dict(os.environ, CONGDAN_ENV="development", PYTHONPATH=os.getcwd(), SECRETS_DIR=str(tmp_path / "secrets"))

    def frozen(**extra) -> int:
        run = subprocess.run(
            [sys.executable, "-c", script], env={**env, **extra}, capture_output=True, text=True, check=True
        )
        return int(run.stdout.split()[-1])

    env.pop("GC_FREEZE", None)
    assert frozen() > 50_000
    assert frozen(GC_FREEZE="0") == 0


def test_flask_session_is_opened_only_when_its_cookie_is_sent(app, monkeypatch):
    """No request pays for the cookie signer of a session nothing uses; one that brings the cookie gets Flask's
    signed session as before (a forged cookie is an empty session)."""
    import flask

    from backend.app import SessionCookieWhenSent

    interface = app.session_interface
    assert isinstance(interface, SessionCookieWhenSent)
    with app.test_request_context("/healthz"):
        with monkeypatch.context() as patched:
            patched.setattr(interface, "get_signing_serializer", lambda _app: pytest.fail("signer built"))
            session = interface.open_session(app, flask.request)
        assert dict(session) == {} and not session.modified
    signed = interface.get_signing_serializer(app).dumps({"seen": 1})
    name = interface.get_cookie_name(app)
    with app.test_request_context("/healthz", headers={"Cookie": f"{name}={signed}"}):
        assert dict(interface.open_session(app, flask.request)) == {"seen": 1}
    with app.test_request_context("/healthz", headers={"Cookie": f"{name}=forged.value.sig"}):
        assert dict(interface.open_session(app, flask.request)) == {}
