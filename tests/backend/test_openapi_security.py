"""The OpenAPI document declares bearer (JWT) auth, and each operation says whether it needs it."""

from __future__ import annotations

PUBLIC = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/register"),
    ("get", "/api/v1/administrative-units"),
    ("post", "/api/v1/fleet/device/heartbeat"),
    ("post", "/api/v1/payments/callbacks/{gateway_name}"),
}
PROTECTED = {
    ("get", "/api/v1/accounts/me"),
    ("put", "/api/v1/accounts/{username}/status"),
    ("get", "/api/v1/citizens/me"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/auth/refresh"),
}  # the refresh token, in the same bearer header


def test_bearer_scheme_and_per_operation_security(client):
    spec = client.get("/api/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The access token from /api/v1/auth/login (or a kiosk's device token)",
    }
    operations = {
        (method, path): op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "delete", "patch")
    }
    assert all("security" in op for op in operations.values()), [
        k for k, o in operations.items() if "security" not in o
    ]
    for key in PUBLIC:
        assert operations[key]["security"] == [], key
    for key in PROTECTED:
        assert operations[key]["security"] == [{"bearerAuth": []}], key
