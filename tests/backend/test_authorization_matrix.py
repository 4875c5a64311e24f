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
CALLERS = [
    "anonymous",
    "citizen_l1",
    "citizen_l2",
    "officer_ward",
    "officer_province",
    "officer_elsewhere",
    "hospital_staff",
    "fleet_admin",
    "kiosk",
    "agency",
    "admin",
]
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


def admin_or_covering_officer(ok: int = 200):
    def rule(caller: Caller, target: str) -> int:
        if caller.role is None:
            return 401
        if caller.role == "admin" or (caller.role == "officer" and target in caller.covers):
            return ok
        return 403

    return rule


def party_or_covering_officer(ok: int = 200, level: int = 2, stranger: int = 404, officers: bool = True):
    """A record of the target citizen (an application, a document, a notification): the citizen sees it, another
    citizen is told it does not exist (`stranger`), a covering officer sees it when `officers`."""

    def rule(caller: Caller, target: str) -> int:
        if caller.role is None:
            return 401
        if caller.role == "citizen":
            if caller.key == "citizen_l1" and level > 1:
                return 403
            return ok if target == "own" else stranger
        if officers and caller.role == "officer":
            return ok if target in caller.covers else 403
        return 403

    return rule


def _identity_card(world: dict, subject) -> dict:
    """A valid chip ID card of `subject` in the register."""
    from backend.database import utcnow
    from backend.registry.models import IdentityCard

    card = IdentityCard(
        document_number=subject.personal_id[3:],
        citizen_id=subject.id,
        issued_on=date(2021, 4, 15),
        expires_on=None,
        status="valid",
        status_changed_at=utcnow(),
    )
    world["factory"].session.add(card)
    world["factory"].session.flush()
    return {"card_id": card.id}


def _residence_application(world: dict, subject, *, as_owner: bool = False) -> dict:
    """An application by `subject` (or, with as_owner, one waiting for `subject`'s consent as owner), at an
    address in the subject's own ward, so officers covering the target cover the application."""
    from backend.database import utcnow
    from backend.residence.models import ResidenceApplication

    factory = world["factory"]
    applicant = factory.citizen(full_name="Phan Văn Thuê") if as_owner else subject
    now = utcnow()
    application = ResidenceApplication(
        kind="registration",
        applicant_citizen_id=applicant.id,
        ward_code=subject.permanent_ward_code,
        province_code=subject.permanent_province_code,
        street="Số 2 Phố Mẫu",
        street_folded="so 2 pho mau",
        legal_basis="tenancy" if as_owner else "owner",
        owner_citizen_id=subject.id if as_owner else None,
        reason="Làm việc",
        start_date=now.date(),
        end_date=now.date().replace(year=now.year + 1),
        status="awaiting_owner_consent" if as_owner else "under_review",
        submitted_at=now,
        received_at=now,
        due_on=now.date(),
    )
    factory.session.add(application)
    factory.session.flush()
    return {"application_id": application.id}


def _signed_document(world: dict, subject) -> dict:
    from datetime import timedelta

    from backend.documents.pdf import Line
    from backend.documents.service import issue_document

    document = issue_document(
        session=world["factory"].session,
        holder=subject,
        doc_type="residence-confirmation",
        jurisdiction=subject.permanent_ward_code,
        lines=[Line("Tên", "Name", "x")],
        content={"n": 1},
        validity=timedelta(days=1),
    )
    return {"document_id": document.id}


def _notification(world: dict, subject) -> dict:
    from backend.notifications.service import notify

    return {
        "notification_id": notify(
            session=world["factory"].session, citizen_id=subject.id, kind="test", title="Thử", body="Thử"
        ).id
    }


def _verification_job(world: dict, subject) -> dict:
    """A receiving (JSON) job of agency AGENCY-1, the matrix's agency account's scope."""
    import sqlalchemy as sa

    from backend.verification.models import Agency, VerificationJob

    session = world["factory"].session
    agency = session.execute(sa.select(Agency).where(Agency.code == "AGENCY-1")).scalar_one_or_none()
    if agency is None:
        agency = Agency(code="AGENCY-1", name="Matrix agency", daily_quota=100)
        session.add(agency)
        session.flush()
    job = VerificationJob(
        agency_id=agency.id,
        actor_label="matrix",
        purpose="authorization matrix",
        source_format="json",
        status="receiving",
        total_rows=0,
        client_id="test",
    )
    session.add(job)
    session.flush()
    return {"job_id": job.id}


def _life_event_application(world: dict, subject) -> dict:
    """A death declared by `subject` for a member of the subject's household; its police step sits in the subject's
    ward, so the matrix's (police) officers covering the target cover the application."""
    import secrets

    import sqlalchemy as sa

    from backend.database import utcnow
    from backend.health.models import Hospital
    from backend.life_events.models import HospitalNotification, LifeEventApplication, LifeEventStep

    session = world["factory"].session
    hospital = session.scalar(sa.select(Hospital).where(Hospital.code == "BV-MATRIX")) or Hospital(
        code="BV-MATRIX",
        name="Bệnh viện Ma trận",
        name_en="Matrix hospital",
        level="district",
        province_code="01",
        facility_code="01999",
    )
    session.add(hospital)
    session.flush()
    relative = world["factory"].citizen(
        full_name="Phan Văn Mất", ward_code=subject.permanent_ward_code, province_code=subject.permanent_province_code
    )
    now = utcnow()
    notice = HospitalNotification(
        public_id=secrets.token_hex(8),
        kind="death",
        hospital_id=hospital.id,
        issued_by_account_id=world["callers"]["admin"][1].id,
        subject_citizen_id=relative.id,
        informant_citizen_id=subject.id,
        event_at=now,
        place="Bệnh viện",
        issued_at=now,
        document_id="",
    )
    session.add(notice)
    session.flush()
    application = LifeEventApplication(
        public_id=secrets.token_hex(8),
        kind="death",
        applicant_citizen_id=subject.id,
        notification_id=notice.id,
        subject_citizen_id=relative.id,
        declaration_json="{}",
        submitted_at=now,
    )
    application.steps.append(
        LifeEventStep(
            position=1,
            step="residence_deregistration",
            agency="police",
            ward_code=subject.permanent_ward_code,
            province_code=subject.permanent_province_code,
            status="waiting",
        )
    )
    session.add(application)
    session.flush()
    return {"ref": application.public_id}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {pid} is replaced by the target citizen's personal ID
    rule: Callable[[Caller, str], int]
    body: dict | Callable[[dict], dict] | None = None
    # Some routes are not about a target record: run them once (target "own").
    targeted: bool = True
    # Fills `<name>` placeholders with real ids: params(world, subject_citizen) -> {name: value}.
    params: Callable[[dict, object], dict] | None = None


ROUTES: list[Route] = [
    # --- foundation: accounts, registry, audit -----------------------------------------------------
    Route("POST", "/api/v1/auth/login", public(422), body={"username": "1", "password": ""}, targeted=False),
    Route("POST", "/api/v1/auth/register", public(422), body={}, targeted=False),
    Route("POST", "/api/v1/auth/register/confirm", public(422), body={}, targeted=False),
    Route("POST", "/api/v1/auth/register/chip-challenge", public(201), targeted=False),
    Route("POST", "/api/v1/auth/register/chip", public(422), body={}, targeted=False),
    Route("POST", "/api/v1/auth/activate", public(422), body={}, targeted=False),
    Route("POST", "/api/v1/identification/challenges", roles("kiosk", ok=201), targeted=False),
    Route("POST", "/api/v1/auth/refresh", lambda c, t: 401, targeted=False),  # access token is not a refresh token
    Route("POST", "/api/v1/auth/logout", any_authenticated(204), targeted=False),
    Route("GET", "/api/v1/accounts/me", any_authenticated(), targeted=False),
    Route(
        "PUT",
        "/api/v1/accounts/{pid}/level",
        officer_covering(),
        body={"level": 2, "evidence": "card_and_face_in_person"},
    ),
    # Sessions: a holder's own (an unknown session id is 404); account status: admins any account, officers
    # citizens in their jurisdiction ("active" keeps the matrix's accounts usable; the change is still audited).
    Route("GET", "/api/v1/accounts/me/sessions", any_authenticated(), targeted=False),
    Route("DELETE", "/api/v1/accounts/me/sessions", any_authenticated(), targeted=False),
    Route(
        "DELETE",
        "/api/v1/accounts/me/sessions/<session_id>",
        any_authenticated(404),
        targeted=False,
        params=lambda world, subject: {"session_id": "0" * 32},
    ),
    Route(
        "PUT",
        "/api/v1/accounts/<username>/status",
        admin_or_covering_officer(),
        body={"status": "active", "reason": "authorization matrix"},
        params=lambda world, subject: {"username": subject.personal_id},
    ),
    Route("GET", "/api/v1/citizens/me", citizen_only(level=1), targeted=False),
    Route("GET", "/api/v1/citizens/{pid}?purpose=authorization+matrix", own_or_covering_officer()),
    Route("GET", "/api/v1/citizens?name=nguyen&purpose=authorization+matrix", roles("officer"), targeted=False),
    Route("POST", "/api/v1/citizens", roles("officer", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/administrative-units", public(), targeted=False),
    Route("GET", "/api/v1/me/access-log", citizen_only(level=1), targeted=False),
    # The register of chip ID cards: the holder reads and reports lost; covering officers read, issue, revoke.
    Route("GET", "/api/v1/citizens/{pid}/identity-cards", own_or_covering_officer()),
    Route(
        "POST",
        "/api/v1/citizens/{pid}/identity-cards",
        officer_covering(ok=201),
        body={"issued_on": "2024-08-01", "reason": "authorization matrix"},
    ),
    Route(
        "POST",
        "/api/v1/citizens/{pid}/identity-cards/<card_id>/revoke",
        officer_covering(),
        body={"reason": "authorization matrix"},
        params=_identity_card,
    ),
    Route(
        "POST",
        "/api/v1/citizens/me/identity-cards/report-lost",
        citizen_only(level=2),
        body={"reason": "authorization matrix"},
        targeted=False,
        params=_identity_card,
    ),
    # --- residence, signed documents, notifications ------------------------------------------------------
    Route("GET", "/api/v1/residence/applications", citizen_only(level=2), targeted=False),
    Route("POST", "/api/v1/residence/applications", citizen_only(level=2, ok=422), body={}, targeted=False),
    Route(
        "GET",
        "/api/v1/residence/applications/<application_id>",
        party_or_covering_officer(),
        params=_residence_application,
    ),
    Route(
        "POST",
        "/api/v1/residence/applications/<application_id>/attachments",
        citizen_only(level=2, ok=422),
        params=_residence_application,
    ),  # no file: 422 before ownership is looked at
    Route(
        "POST",
        "/api/v1/residence/applications/<application_id>/consent",
        party_or_covering_officer(stranger=403, officers=False),
        body={"decision": "consent"},
        params=lambda world, subject: _residence_application(world, subject, as_owner=True),
    ),
    Route(
        "POST",
        "/api/v1/residence/applications/<application_id>/withdraw",
        party_or_covering_officer(officers=False),
        params=_residence_application,
    ),
    Route(
        "POST",
        "/api/v1/residence/applications/<application_id>/resubmit",
        party_or_covering_officer(ok=409, officers=False),
        body={},
        params=_residence_application,
    ),
    Route(
        "POST",
        "/api/v1/residence/applications/<application_id>/decision",
        officer_covering(),
        body={"decision": "approve"},
        params=_residence_application,
    ),
    Route(
        "GET",
        "/api/v1/residence/applications/<application_id>/applicant-residence?purpose=authorization+matrix",
        officer_covering(),
        params=_residence_application,
    ),
    Route("GET", "/api/v1/residence/consent-requests", citizen_only(level=2), targeted=False),
    Route("GET", "/api/v1/residence/work-queue", roles("officer"), targeted=False),
    Route(
        "POST",
        "/api/v1/residence/temporary-residence/extensions",
        citizen_only(level=2, ok=422),
        body={},
        targeted=False,
    ),
    Route(
        "POST",
        "/api/v1/residence/temporary-residence/deregistration",
        citizen_only(level=2, ok=409),
        body={},
        targeted=False,
    ),  # nobody in the matrix has a temporary residence
    Route("POST", "/api/v1/residence/confirmations", citizen_only(level=2, ok=201), body={}, targeted=False),
    Route(
        "GET", "/api/v1/residence/accommodation-notices?purpose=authorization+matrix", roles("officer"), targeted=False
    ),
    Route("POST", "/api/v1/residence/accommodation-notices", citizen_only(level=2, ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/residence/accommodation-establishments", citizen_only(level=2), targeted=False),
    Route(
        "POST",
        "/api/v1/residence/accommodation-establishments",
        roles("officer", "admin", ok=422),
        body={},
        targeted=False,
    ),
    Route("GET", "/api/v1/documents", citizen_only(level=1), targeted=False),
    Route(
        "GET",
        "/api/v1/documents/<document_id>",
        party_or_covering_officer(level=1, officers=False),
        params=_signed_document,
    ),
    Route(
        "GET",
        "/api/v1/documents/<document_id>/pdf",
        party_or_covering_officer(level=1, officers=False),
        params=_signed_document,
    ),
    Route("POST", "/api/v1/documents/verify", public(), body={"token": "a.b.c"}, targeted=False),
    Route("POST", "/api/v1/documents/verify-pdf", public(422), targeted=False),
    Route("GET", "/api/v1/documents/identity-qr", citizen_only(level=2), targeted=False),
    Route("GET", "/api/v1/notifications", citizen_only(level=1), targeted=False),
    Route(
        "POST",
        "/api/v1/notifications/<notification_id>/read",
        party_or_covering_officer(level=1, officers=False),
        params=_notification,
    ),
    # --- health: hospitals, kiosk check-in, queues, consent receipts -----------------------------------
    # The matrix's kiosk (KIOSK-1) and hospital staff (BV-TEST) belong to no registered hospital, so the
    # allowed role gets 404 or 422 from the service, everyone else 403 from the access rule.
    Route("GET", "/api/v1/health/hospitals", public(), targeted=False),
    Route("GET", "/api/v1/health/hospitals/<hospital_code>/departments", public(404), targeted=False),
    Route("POST", "/api/v1/health/kiosks", roles("hospital_staff", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/health/kiosks/me", roles("kiosk", ok=404), targeted=False),
    Route("POST", "/api/v1/health/checkins", roles("kiosk", ok=422), body={}, targeted=False),
    Route("POST", "/api/v1/health/checkins/<checkin_id>/tickets", roles("kiosk", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/health/queues/<department_code>", roles("hospital_staff", ok=404), targeted=False),
    Route("POST", "/api/v1/health/queues/<department_code>/call", roles("hospital_staff", ok=404), targeted=False),
    # Calls for help: the matrix's kiosk and staff belong to no registered hospital (404 from the service).
    Route("POST", "/api/v1/health/help-requests", roles("kiosk", ok=404), body={"screen": "welcome"}, targeted=False),
    Route("GET", "/api/v1/health/help-requests", roles("hospital_staff", ok=404), targeted=False),
    Route(
        "POST", "/api/v1/health/help-requests/<request_id>/acknowledge", roles("hospital_staff", ok=404), targeted=False
    ),
    Route("GET", "/api/v1/me/consents", citizen_only(level=1), targeted=False),
    Route("POST", "/api/v1/me/consents/<consent_id>/revoke", citizen_only(level=1, ok=404), targeted=False),
    # --- fleet: kiosk enrollment, device requests, fleet administration ---------------------------------
    # Device routes take no bearer token: enrollment and the challenge are public (422 on an empty body);
    # heartbeats and command results need a kiosk's Ed25519 signature, so every caller here gets 401.
    Route("POST", "/api/v1/fleet/enroll", public(422), body={}, targeted=False),
    Route("GET", "/api/v1/fleet/keys", public(), targeted=False),
    Route("POST", "/api/v1/fleet/device/challenge", public(422), body={}, targeted=False),
    Route("POST", "/api/v1/fleet/device/token", public(422), body={}, targeted=False),
    Route("POST", "/api/v1/fleet/device/heartbeat", lambda c, t: 401, body={}, targeted=False),
    Route("POST", "/api/v1/fleet/device/commands/<command_id>/result", lambda c, t: 401, body={}, targeted=False),
    Route("GET", "/api/v1/fleet/overview", roles("fleet_admin"), targeted=False),
    Route("GET", "/api/v1/fleet/enrollment-codes", roles("fleet_admin"), targeted=False),
    Route("POST", "/api/v1/fleet/enrollment-codes", roles("fleet_admin", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/fleet/kiosks", roles("fleet_admin"), targeted=False),
    Route("GET", "/api/v1/fleet/kiosks/<kiosk_id>", roles("fleet_admin", ok=404), targeted=False),
    Route("PUT", "/api/v1/fleet/kiosks/<kiosk_id>/status", roles("fleet_admin", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/fleet/kiosks/<kiosk_id>/commands", roles("fleet_admin", ok=404), targeted=False),
    Route("POST", "/api/v1/fleet/kiosks/<kiosk_id>/commands", roles("fleet_admin", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/fleet/kiosks/<kiosk_id>/metrics", roles("fleet_admin", ok=404), targeted=False),
    Route("GET", "/api/v1/fleet/profiles", roles("fleet_admin"), targeted=False),
    Route("POST", "/api/v1/fleet/profiles", roles("fleet_admin", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/fleet/alerts", roles("fleet_admin"), targeted=False),
    # --- kiosk software updates: the TUF repository is public (everything in it is signed) --------------
    Route(
        "GET",
        "/api/v1/fleet/updates/tuf/<name>",
        public(404),
        targeted=False,
        params=lambda w, s: {"name": "1.root.json"},
    ),
    Route(
        "GET",
        "/api/v1/fleet/updates/tuf/targets/<name>",
        public(404),
        targeted=False,
        params=lambda w, s: {"name": "0" * 64 + ".kiosk_app-9.9.9.tar.gz"},
    ),
    Route("POST", "/api/v1/fleet/updates/device/check", lambda c, t: 401, body={}, targeted=False),
    Route("GET", "/api/v1/fleet/updates/releases", roles("fleet_admin"), targeted=False),
    Route("POST", "/api/v1/fleet/updates/releases", roles("fleet_admin", ok=422), targeted=False),
    Route("GET", "/api/v1/fleet/updates/rollouts", roles("fleet_admin"), targeted=False),
    Route("POST", "/api/v1/fleet/updates/rollouts", roles("fleet_admin", ok=422), body={}, targeted=False),
    Route(
        "GET",
        "/api/v1/fleet/updates/rollouts/<rollout_id>",
        roles("fleet_admin", ok=404),
        targeted=False,
        params=lambda w, s: {"rollout_id": 999999},
    ),
    Route(
        "POST",
        "/api/v1/fleet/updates/rollouts/<rollout_id>",
        roles("fleet_admin", ok=422),
        body={},
        targeted=False,
        params=lambda w, s: {"rollout_id": 999999},
    ),
    Route(
        "POST",
        "/api/v1/fleet/alerts/<alert_id>/acknowledge",
        roles("fleet_admin", ok=404),
        targeted=False,
        params=lambda world, subject: {"alert_id": 987654},
    ),
    Route(
        "POST",
        "/api/v1/fleet/alerts/<alert_id>/resolve",
        roles("fleet_admin", ok=422),
        body={},
        targeted=False,
        params=lambda world, subject: {"alert_id": 987654},
    ),
    # --- payments, traffic fines and licences, criminal-record certificates ----------------------------
    # Bodies are empty and references unknown, so an allowed caller gets 422 or 404 from validation or the
    # service, everyone else 401/403 from the access rule.
    Route("POST", "/api/v1/payments/intents", citizen_only(level=1, ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/payments/intents/<intent_id>", citizen_only(level=1, ok=404), targeted=False),
    Route("POST", "/api/v1/payments/callbacks/<gateway_name>", public(422), body={}, targeted=False),
    Route("GET", "/api/v1/traffic/violations", public(), targeted=False),
    Route("POST", "/api/v1/traffic/penalties", roles("officer", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/traffic/penalties/mine", citizen_only(level=1), targeted=False),
    Route("GET", "/api/v1/traffic/penalties/<number>", roles("citizen", "officer", ok=404), targeted=False),
    Route("POST", "/api/v1/traffic/penalties/<number>/cancel", roles("officer", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/traffic/licences/mine", citizen_only(level=1), targeted=False),
    Route(
        "GET",
        "/api/v1/traffic/licences/<number>?purpose=authorization+matrix",
        roles("officer", ok=404),
        targeted=False,
    ),
    Route("POST", "/api/v1/traffic/licences/<number>/retests", roles("officer", ok=422), body={}, targeted=False),
    Route("POST", "/api/v1/judicial/convictions", roles("officer", ok=422), body={}, targeted=False),
    Route("POST", "/api/v1/judicial/requests", citizen_only(level=2, ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/judicial/requests/mine", citizen_only(level=1), targeted=False),
    Route("GET", "/api/v1/judicial/requests/<number>", roles("citizen", "officer", ok=404), targeted=False),
    Route("GET", "/api/v1/judicial/queue", roles("officer"), targeted=False),
    Route("GET", "/api/v1/judicial/requests/<number>/compilation", roles("officer", ok=404), targeted=False),
    Route("POST", "/api/v1/judicial/requests/<number>/issue", roles("officer", ok=404), targeted=False),
    Route("GET", "/api/v1/judicial/fee-claims", roles("officer"), targeted=False),
    Route("POST", "/api/v1/judicial/requests/<number>/fee-claim", roles("officer", ok=422), body={}, targeted=False),
    # --- verification: agencies and quotas (admin), bulk verification jobs (agency) ------------------
    # The matrix's agency account (scope AGENCY-1) owns the job that `_verification_job` creates.
    Route("GET", "/api/v1/verification/agencies", roles("admin"), targeted=False),
    Route(
        "PUT",
        "/api/v1/verification/agencies/<code>",
        roles("admin"),
        body={"name": "Sở Giáo dục", "daily_quota": 1000},
        targeted=False,
        params=lambda world, subject: {"code": "SGDDT-79"},
    ),
    Route("GET", "/api/v1/verification/jobs", roles("agency"), targeted=False),
    Route("POST", "/api/v1/verification/jobs", roles("agency", ok=422), targeted=False),
    Route("POST", "/api/v1/verification/record-jobs", roles("agency", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/verification/jobs/<job_id>", roles("agency"), targeted=False, params=_verification_job),
    Route(
        "POST",
        "/api/v1/verification/jobs/<job_id>/records",
        roles("agency", ok=422),
        body={},
        targeted=False,
        params=_verification_job,
    ),
    Route(
        "POST",
        "/api/v1/verification/jobs/<job_id>/submit",
        roles("agency", ok=422),
        targeted=False,
        params=_verification_job,
    ),
    Route(
        "GET",
        "/api/v1/verification/jobs/<job_id>/results",
        roles("agency", ok=409),
        targeted=False,
        params=_verification_job,
    ),
    # --- life events: hospital notifications, linked birth and death procedures --------------------------
    # The matrix's officers have no agency row: they are police (residence) officers.
    Route("POST", "/api/v1/life-events/birth-certificates", roles("hospital_staff", ok=422), body={}, targeted=False),
    Route("POST", "/api/v1/life-events/death-notices", roles("hospital_staff", ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/life-events/applications", citizen_only(level=2), targeted=False),
    Route("POST", "/api/v1/life-events/births", citizen_only(level=2, ok=422), body={}, targeted=False),
    Route("POST", "/api/v1/life-events/deaths", citizen_only(level=2, ok=422), body={}, targeted=False),
    Route("POST", "/api/v1/life-events/permanent-residence", citizen_only(level=2, ok=422), body={}, targeted=False),
    Route("GET", "/api/v1/life-events/applications/<ref>", party_or_covering_officer(), params=_life_event_application),
    Route(
        "POST",
        "/api/v1/life-events/applications/<ref>/household-consent",
        citizen_only(level=2, ok=422),
        body={},
        targeted=False,
        params=lambda world, subject: {"ref": "0123456789abcdef"},
    ),
    Route("GET", "/api/v1/life-events/queue", roles("officer"), targeted=False),
    Route(
        "POST",
        "/api/v1/life-events/steps/<step_id>/decision",
        roles("officer", ok=422),
        body={},
        targeted=False,
        params=lambda world, subject: {"step_id": 999999},
    ),
    Route(
        "POST",
        "/api/v1/life-events/death-registrations/<registration_id>/revoke",
        roles("officer", ok=422),
        body={},
        targeted=False,
        params=lambda world, subject: {"registration_id": 999999},
    ),
    # --- identity provider: relying parties (admin), the app's device keys and login approvals (citizen) --
    Route("GET", "/api/v1/identity-provider/relying-parties", roles("admin"), targeted=False),
    Route("POST", "/api/v1/identity-provider/relying-parties", roles("admin", ok=422), body={}, targeted=False),
    Route(
        "POST",
        "/api/v1/identity-provider/relying-parties/<client_id>/status",
        roles("admin", ok=404),
        body={"status": "suspended"},
        targeted=False,
        params=lambda world, subject: {"client_id": "NOPE"},
    ),
    Route("GET", "/api/v1/identity-provider/device-keys", citizen_only(), targeted=False),
    Route("POST", "/api/v1/identity-provider/device-keys", citizen_only(ok=422), body={}, targeted=False),
    Route(
        "POST",
        "/api/v1/identity-provider/device-keys/<key_id>/unbind",
        citizen_only(ok=404),
        targeted=False,
        params=lambda world, subject: {"key_id": "0" * 32},
    ),
    Route(
        "POST",
        "/api/v1/identity-provider/citizens/{pid}/device-keys/unbind",
        officer_covering(),
        body={"reason": "báo mất điện thoại"},
    ),
    Route("GET", "/api/v1/identity-provider/login-requests", citizen_only(), targeted=False),
    Route(
        "GET",
        "/api/v1/identity-provider/login-requests/<request_id>",
        citizen_only(ok=404),
        targeted=False,
        params=lambda world, subject: {"request_id": "0" * 32},
    ),
    Route(
        "POST",
        "/api/v1/identity-provider/login-requests/<request_id>/decision",
        citizen_only(ok=422),
        body={},
        targeted=False,
        params=lambda world, subject: {"request_id": "0" * 32},
    ),
    # --- account recovery: kiosks, the hospital's staff, officers' desks, the new phone, the citizen's lock --
    Route("POST", "/api/v1/recovery/attempts", roles("kiosk", ok=201), targeted=False),
    Route(
        "GET",
        "/api/v1/recovery/attempts/<attempt_id>",
        roles("kiosk", ok=404),
        targeted=False,
        params=lambda world, subject: {"attempt_id": "0" * 32},
    ),
    Route(
        "POST",
        "/api/v1/recovery/attempts/<attempt_id>/evidence",
        roles("kiosk", ok=422),
        body={},
        targeted=False,
        params=lambda world, subject: {"attempt_id": "0" * 32},
    ),
    Route("GET", "/api/v1/recovery/assists", roles("hospital_staff"), targeted=False),
    Route(
        "POST",
        "/api/v1/recovery/attempts/<attempt_id>/staff-confirmation",
        roles("hospital_staff", ok=404),
        body={"confirmed": True},
        targeted=False,
        params=lambda world, subject: {"attempt_id": "0" * 32},
    ),
    Route("POST", "/api/v1/recovery/desk/attempts", roles("officer", ok=201), targeted=False),
    Route(
        "POST",
        "/api/v1/recovery/desk/attempts/<attempt_id>",
        roles("officer", ok=422),
        body={},
        targeted=False,
        params=lambda world, subject: {"attempt_id": "0" * 32},
    ),
    Route("POST", "/api/v1/recovery/device-bindings", public(422), body={}, targeted=False),
    Route("POST", "/api/v1/recovery/account-lock", citizen_only(), body={}, targeted=False),
]


@pytest.fixture()
def world(client, factory):
    """Citizens A (Hà Nội, ward 00088) and B (TP HCM), and one account per caller kind."""
    a = factory.citizen(full_name="Nguyễn Văn An")
    b = factory.citizen(
        full_name="Lê Thị Bích",
        sex="female",
        date_of_birth=date(1995, 2, 3),
        ward_code="26740",
        province_code="79",
        birth_province="079",
    )
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
    return {"callers": callers, "a": a, "b": b, "factory": factory}


def _cases():
    for route in ROUTES:
        for caller in CALLERS:
            for target in TARGETS if route.targeted else ["own"]:
                yield pytest.param(route, caller, target, id=f"{route.method} {route.path} {caller} {target}")


@pytest.mark.parametrize(("route", "caller_key", "target"), list(_cases()))
def test_matrix(client, world, route, caller_key, target):
    caller, account, own = world["callers"][caller_key]
    headers = {}
    if account is not None:
        headers = bearer(login(client, account.username)["access_token"])
    subject = (own or world["a"]) if target == "own" else world["b"]
    path = route.path.replace("{pid}", subject.personal_id)
    for name, value in (route.params(world, subject) if route.params else {}).items():
        path = path.replace(f"<{name}>", str(value))
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
            alternatives = {(method, normalized), (method, normalized.replace("<personal_id>", "{pid}"))}
            if not alternatives & listed:
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
