"""The security suite reuses the backend fixtures (one migrated database, rolled back per test)."""

from tests.backend.conftest import (  # noqa: F401 - fixtures
    _app,
    app,
    auth_headers,
    client,
    database_server,
    factory,
    make_app,
    session,
    shared_url,
)
