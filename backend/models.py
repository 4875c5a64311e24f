"""Imports every model module so the metadata is complete (for Alembic and the schema test)."""

from backend.audit import models as audit_models  # noqa: F401
from backend.auth import models as auth_models  # noqa: F401
from backend.registry import models as registry_models  # noqa: F401
