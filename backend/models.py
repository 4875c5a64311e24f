"""Imports every model module so the metadata is complete (for Alembic and the schema test)."""

from backend.audit import models as audit_models  # noqa: F401
from backend.auth import codes as auth_codes  # noqa: F401
from backend.auth import models as auth_models  # noqa: F401
from backend.consent import models as consent_models  # noqa: F401
from backend.core import idempotency as idempotency_models  # noqa: F401
from backend.documents import models as documents_models  # noqa: F401
from backend.fleet import help_requests as fleet_help_models  # noqa: F401
from backend.fleet import models as fleet_models  # noqa: F401
from backend.health import models as health_models  # noqa: F401
from backend.identification import models as identification_models  # noqa: F401
from backend.identity_provider import models as identity_provider_models  # noqa: F401
from backend.judicial import models as judicial_models  # noqa: F401
from backend.life_events import models as life_events_models  # noqa: F401
from backend.notifications import models as notifications_models  # noqa: F401
from backend.payments import disbursements as payments_disbursements  # noqa: F401
from backend.payments import models as payments_models  # noqa: F401
from backend.recovery import models as recovery_models  # noqa: F401
from backend.registry import models as registry_models  # noqa: F401
from backend.residence import models as residence_models  # noqa: F401
from backend.traffic import models as traffic_models  # noqa: F401
from backend.updates import models as updates_models  # noqa: F401
from backend.verification import models as verification_models  # noqa: F401
