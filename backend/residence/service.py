"""Temporary-residence applications: apply, owner consent, withdraw, resubmit, officer decisions, the work
queue and the officer's registry look-up. Approval effects live in registration.py."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock, idempotency
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.documents.uploads import JPEG, PDF, PNG, Upload
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.law import store
from backend.notifications.service import notify
from backend.notifications.text import quoted
from backend.registry import units
from backend.registry.models import Citizen
from backend.registry.service import citizen_by_personal_id, get_ward
from backend.residence import guardian, owner_requests, registration
from backend.residence.models import (
    APPROVED,
    AWAITING_OWNER_CONSENT,
    AWAITING_PARENT_CONSENT,
    NEEDS_INFORMATION,
    OPEN_STATUSES,
    REJECTED,
    UNDER_REVIEW,
    WITHDRAWN,
    ResidenceApplication,
    ResidenceApplicationEvent,
    ResidenceApplicationMember,
    ResidenceAttachment,
    TemporaryResidence,
)
from backend.residence.working_days import add_working_days
from shared_schemas.text import fold, nfc

MAX_ATTACHMENTS = 10
ATTACHMENT_TYPES = (PDF, JPEG, PNG)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"json": {field: [message]}})


def _citizen_of(session: Session, principal: Principal) -> Citizen:
    citizen = session.get(Citizen, principal.citizen_id) if principal.citizen_id else None
    if principal.role != CITIZEN or citizen is None:
        raise Forbidden("Only a citizen account can use this service.")
    return citizen


def two_years_after(start: date) -> date:
    try:
        return start.replace(year=start.year + 2)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 2, day=28)


def _check_period(start: date, end: date, today: date, *, field_start: str = "start_date") -> None:
    if start < today:
        raise _invalid(field_start, "The start date is in the past.")
    if end <= start:
        raise _invalid("end_date", "The end date must be after the start date.")
    if end > two_years_after(start):
        raise _invalid("end_date", "A temporary residence is registered for at most two years at a time.")


def _event(
    application: ResidenceApplication, status: str, now: datetime, actor: Principal | None, note: str | None = None
) -> None:
    application.status = status
    application.events.append(
        ResidenceApplicationEvent(
            occurred_at=now, status=status, note=note, actor_account_id=actor.account_id if actor else None
        )
    )


def _receive(application: ResidenceApplication, now: datetime) -> None:
    """The application is complete: the 3-working-day deadline starts."""
    application.received_at = now
    received_on = clock.local_date(now)
    application.due_on = add_working_days(received_on, store.value("residence.processing_working_days", received_on))


def _ref(application: ResidenceApplication) -> str:
    return f"residence-application:{application.id}"


def apply(
    *,
    session: Session,
    principal: Principal,
    data: dict,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> ResidenceApplication:
    """File a temporary-residence registration."""
    now = now or clock.now()

    def make():
        applicant = _citizen_of(session, principal)
        ward = get_ward(session, data["ward_code"])
        _check_period(data["start_date"], data["end_date"], clock.local_date(now))
        if ward.code == applicant.permanent_ward_code:
            raise _invalid(
                "ward_code",
                "This address is in the ward of your permanent residence: no temporary residence is registered there.",
            )
        street = nfc(data["street"])
        owner_pid, owner = owner_requests.named_owner(session, applicant, data, now)
        parent = guardian.guardian_for(session, applicant, data.get("guardian_personal_id"), clock.local_date(now))
        members = _members(session, applicant, data["member_personal_ids"])
        duplicate = session.scalar(
            sa.select(ResidenceApplication.id).where(
                ResidenceApplication.applicant_citizen_id == applicant.id,
                ResidenceApplication.ward_code == ward.code,
                ResidenceApplication.street_folded == fold(street),
                ResidenceApplication.status.in_(OPEN_STATUSES),
            )
        )
        if duplicate:
            raise Conflict(
                f"You already have an open application (#{duplicate}) for this address.", application_id=duplicate
            )
        application = ResidenceApplication(
            kind="registration",
            applicant_citizen_id=applicant.id,
            ward_code=ward.code,
            province_code=ward.province_code,
            street=street,
            street_folded=fold(street),
            legal_basis=data["legal_basis"],
            owner_citizen_id=owner.id if owner else None,
            owner_personal_id=owner_pid,
            guardian_citizen_id=parent.id if parent else None,
            reason=nfc(data["reason"]),
            start_date=data["start_date"],
            end_date=data["end_date"],
            status="submitted",
            submitted_at=now,
        )
        application.members = [ResidenceApplicationMember(citizen_id=m.id) for m in members]
        session.add(application)
        _event(application, "submitted", now, principal)
        _after_submission(session, application, owner, now, principal)
        session.flush()
        if owner is not None:
            owner_requests.audit(session, principal, owner, application)
        return application, str(application.id)

    return idempotency.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="residence-apply",
        request=data,
        replay=lambda ref: session.get(ResidenceApplication, int(ref)),
        make=make,
        now=now,
    )


def _after_submission(
    session: Session, application: ResidenceApplication, owner: Citizen | None, now: datetime, principal: Principal
) -> None:
    session.flush()
    what = "gia hạn tạm trú" if application.kind == "extension" else "đăng ký tạm trú"
    notify(
        session=session,
        citizen_id=application.applicant_citizen_id,
        kind="application-received",
        title=f"Đã nhận hồ sơ {what} #{application.id}",
        body=f"Hồ sơ {what} tại {application.street} đã được tiếp nhận. / Your application was received.",
        ref=_ref(application),
    )
    if application.guardian_citizen_id is not None:
        _event(application, AWAITING_PARENT_CONSENT, now, principal)
        notify(
            session=session,
            citizen_id=application.guardian_citizen_id,
            kind="parent-consent-needed",
            title=f"Đề nghị đồng ý cho con đăng ký tạm trú #{application.id}",
            body=f"Con của bạn đề nghị đăng ký tạm trú tại {quoted(application.street)}. Vui lòng xác nhận "
            "đồng ý hoặc từ chối. / Your child asks to register temporary residence: please consent or "
            "refuse.",
            ref=_ref(application),
        )
    else:
        _owner_step(session, application, owner, now, principal)


def _owner_step(
    session: Session, application: ResidenceApplication, owner: Citizen | None, now: datetime, principal: Principal
) -> None:
    if application.owner_personal_id is not None and application.owner_consent_at is None:
        # The same status whether or not the owner exists: the applicant cannot tell.
        _event(application, AWAITING_OWNER_CONSENT, now, principal)
        if owner is not None:
            applicant = session.get(Citizen, application.applicant_citizen_id)
            # Who asks comes from the registry; where is the applicant's text: bounded, cleaned, quoted.
            notify(
                session=session,
                citizen_id=owner.id,
                kind="owner-consent-needed",
                title=f"Đề nghị đồng ý cho đăng ký tạm trú #{application.id}",
                body=f"Công dân {applicant.full_name} đề nghị đăng ký tạm trú tại địa chỉ (do người đề nghị "
                f"ghi): {quoted(application.street)}. Vui lòng xác nhận đồng ý hoặc từ chối. / "
                f"{applicant.full_name} asks to register temporary residence at your address (as "
                "written by the applicant, quoted above).",
                ref=_ref(application),
            )
    else:
        _receive(application, now)
        _event(application, UNDER_REVIEW, now, principal)


def _members(session: Session, applicant: Citizen, pids: list[str]) -> list[Citizen]:
    if len(set(pids)) != len(pids) or applicant.personal_id in pids:
        raise _invalid("member_personal_ids", "List each household member once, without yourself.")
    members = []
    for pid in pids:
        member = citizen_by_personal_id(session, pid)
        if member is None or applicant.household_id is None or member.household_id != applicant.household_id:
            raise _invalid("member_personal_ids", f"{pid} is not a member of your household.")
        members.append(member)
    return members


def _load(session: Session, application_id: int) -> ResidenceApplication:
    application = session.get(ResidenceApplication, application_id)
    if application is None:
        raise NotFound("No such application.")
    return application


def _as_applicant(session: Session, principal: Principal, application_id: int) -> ResidenceApplication:
    application = session.get(ResidenceApplication, application_id)
    # Someone else's application answers like a missing one.
    if application is None or not principal.is_citizen(application.applicant_citizen_id):
        raise NotFound("No such application among yours.")
    return application


def _as_covering_officer(session: Session, principal: Principal, application_id: int) -> ResidenceApplication:
    application = _load(session, application_id)
    if not units.officer_covers(principal, application.ward_code, application.province_code, on=clock.today()):
        raise Forbidden("This application is outside your jurisdiction.")
    return application


def get_application(*, session: Session, principal: Principal, application_id: int) -> ResidenceApplication:
    """The applicant, the owner asked to consent, or an officer of the address's ward/province (audited)."""
    if principal.role == OFFICER:
        application = _as_covering_officer(session, principal, application_id)
        record_access(
            session=session,
            principal=principal,
            subject_citizen_ids=[application.applicant_citizen_id],
            action="read",
            record_type="residence-application",
            record_ref=str(application.id),
            purpose="temporary-residence application review",
        )
        return application
    application = session.get(ResidenceApplication, application_id)
    if application is None or not (
        principal.is_citizen(application.applicant_citizen_id)
        or principal.is_citizen(application.owner_citizen_id or -1)
        or principal.is_citizen(application.guardian_citizen_id or -1)
    ):
        raise NotFound("No such application among yours.")
    return application


def list_own(*, session: Session, principal: Principal) -> list[ResidenceApplication]:
    citizen = _citizen_of(session, principal)
    return list(
        session.scalars(
            sa.select(ResidenceApplication)
            .where(ResidenceApplication.applicant_citizen_id == citizen.id)
            .order_by(ResidenceApplication.submitted_at.desc(), ResidenceApplication.id.desc())
        )
    )


def consent_requests(*, session: Session, principal: Principal) -> list[ResidenceApplication]:
    citizen = _citizen_of(session, principal)
    return list(
        session.scalars(
            sa.select(ResidenceApplication)
            .where(
                sa.or_(
                    sa.and_(
                        ResidenceApplication.owner_citizen_id == citizen.id,
                        ResidenceApplication.status == AWAITING_OWNER_CONSENT,
                    ),
                    sa.and_(
                        ResidenceApplication.guardian_citizen_id == citizen.id,
                        ResidenceApplication.status == AWAITING_PARENT_CONSENT,
                    ),
                )
            )
            .order_by(ResidenceApplication.id)
        )
    )


def consent(
    *,
    session: Session,
    principal: Principal,
    application_id: int,
    decision: str,
    note: str | None = None,
    now: datetime | None = None,
) -> ResidenceApplication:
    """The parent of a minor applicant, then the owner named in the application, consents (or refuses);
    nobody else can."""
    now = now or clock.now()
    application = session.get(ResidenceApplication, application_id)
    if application is None:
        raise NotFound("No such application.")
    if application.status == AWAITING_PARENT_CONSENT and guardian.may_consent(application, principal):
        return _parent_consent(session, principal, application, decision, note, now)
    if application.owner_citizen_id is None or not principal.is_citizen(application.owner_citizen_id):
        raise Forbidden("Only the owner named in the application can consent to it.")
    if application.status != AWAITING_OWNER_CONSENT:
        raise Conflict(f"The application is {application.status}; it is not waiting for your consent.")
    if decision == "refuse":
        application.status_reason = "Chủ sở hữu không đồng ý. / The owner did not consent."
        _event(application, REJECTED, now, principal, note)
        application.decided_at = now
        _notify_applicant(session, application, "application-rejected", "bị từ chối (chủ nhà không đồng ý)")
        return application
    application.owner_consent_at = now
    _receive(application, now)
    _event(application, UNDER_REVIEW, now, principal, note)
    _notify_applicant(session, application, "owner-consented", "đã được chủ nhà đồng ý, đang chờ xét duyệt")
    return application


def _parent_consent(
    session: Session,
    principal: Principal,
    application: ResidenceApplication,
    decision: str,
    note: str | None,
    now: datetime,
) -> ResidenceApplication:
    if decision == "refuse":
        application.status_reason = "Cha, mẹ không đồng ý. / Your parent did not consent."
        _event(application, REJECTED, now, principal, note)
        application.decided_at = now
        _notify_applicant(session, application, "application-rejected", "bị từ chối (cha, mẹ không đồng ý)")
        return application
    guardian.record_consent(application, now)
    if application.owner_citizen_id == application.guardian_citizen_id:
        application.owner_consent_at = now  # the parent owns the place: one consent covers both
    owner = session.get(Citizen, application.owner_citizen_id) if application.owner_citizen_id else None
    _owner_step(session, application, owner, now, principal)
    return application


def _notify_applicant(
    session: Session, application: ResidenceApplication, kind: str, what: str, extra: str = ""
) -> None:
    notify(
        session=session,
        citizen_id=application.applicant_citizen_id,
        kind=kind,
        title=f"Hồ sơ tạm trú #{application.id} {what}",
        body=(application.status_reason or what) + extra,
        ref=_ref(application),
    )


def withdraw(
    *, session: Session, principal: Principal, application_id: int, now: datetime | None = None
) -> ResidenceApplication:
    application = _as_applicant(session, principal, application_id)
    if application.status not in OPEN_STATUSES:
        raise Conflict(f"The application is already {application.status}.")
    _event(application, WITHDRAWN, now or clock.now(), principal)
    return application


def resubmit(
    *, session: Session, principal: Principal, application_id: int, note: str | None = None, now: datetime | None = None
) -> ResidenceApplication:
    """After "needs more information": the applicant has added what was asked; the deadline restarts."""
    now = now or clock.now()
    application = _as_applicant(session, principal, application_id)
    if application.status != NEEDS_INFORMATION:
        raise Conflict("Only an application that needs more information can be resubmitted.")
    _receive(application, now)
    _event(application, UNDER_REVIEW, now, principal, note)
    return application


def add_attachment(
    *, session: Session, principal: Principal, application_id: int, upload: Upload, now: datetime | None = None
) -> ResidenceAttachment:
    application = _as_applicant(session, principal, application_id)
    if application.status not in OPEN_STATUSES:
        raise Conflict(f"The application is {application.status}; no more documents can be added.")
    if len(application.attachments) >= MAX_ATTACHMENTS:
        raise Conflict(f"An application holds at most {MAX_ATTACHMENTS} documents.")
    attachment = ResidenceAttachment(
        filename=upload.filename,
        media_type=upload.media_type,
        size_bytes=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        content=upload.data,
        uploaded_at=now or clock.now(),
    )
    application.attachments.append(attachment)
    session.flush()
    return attachment


def decide(
    *,
    session: Session,
    principal: Principal,
    application_id: int,
    decision: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> ResidenceApplication:
    """An officer of the address's ward (or province) approves, rejects or asks for more information."""
    now = now or clock.now()
    application = _as_covering_officer(session, principal, application_id)
    if application.status != UNDER_REVIEW:
        raise Conflict(f"The application is {application.status}, not under review.")
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[application.applicant_citizen_id],
        action="update",
        record_type="residence-application",
        record_ref=str(application.id),
        purpose=f"temporary-residence decision: {decision}",
    )
    if decision == "request_information":
        application.status_reason = reason
        _event(application, NEEDS_INFORMATION, now, principal, reason)
        _notify_applicant(session, application, "information-needed", "cần bổ sung thông tin")
        return application
    application.decided_at, application.decided_by_account_id = now, principal.account_id
    if decision == "reject":
        application.status_reason = reason
        _event(application, REJECTED, now, principal, reason)
        _notify_applicant(session, application, "application-rejected", "bị từ chối")
        return application
    _event(application, APPROVED, now, principal, reason)
    document = registration.apply_approval(session=session, application=application, now=now)
    application.status_reason = None
    _notify_applicant(session, application, "application-approved", "đã được phê duyệt", f" Văn bản: {document.id}")
    return application


def request_extension(
    *,
    session: Session,
    principal: Principal,
    data: dict,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> ResidenceApplication:
    """Extend the active temporary residence, filed within the 15 days before it ends."""

    now = now or clock.now()

    def make():
        today = clock.local_date(now)
        applicant = _citizen_of(session, principal)
        current = registration.active_residence(session, applicant.id)
        if current is None or current.end_date < today:
            raise Conflict("You have no active temporary residence to extend.")
        window = store.value("residence.extension_window_days", today)
        if (current.end_date - today).days > window:
            raise _invalid(
                "end_date", f"An extension is filed within the {window} days before {current.end_date.isoformat()}."
            )
        start = current.end_date + timedelta(days=1)
        if data["end_date"] <= start - timedelta(days=1):
            raise _invalid("end_date", "The new end date must be after the current one.")
        if data["end_date"] > two_years_after(start):
            raise _invalid("end_date", "A temporary residence is extended by at most two years at a time.")
        if session.scalar(
            sa.select(ResidenceApplication.id).where(
                ResidenceApplication.applicant_citizen_id == applicant.id,
                ResidenceApplication.kind == "extension",
                ResidenceApplication.status.in_(OPEN_STATUSES),
            )
        ):
            raise Conflict("You already have an open extension application.")
        origin = session.get(ResidenceApplication, current.application_id) if current.application_id else None
        owner = session.get(Citizen, origin.owner_citizen_id) if origin and origin.owner_citizen_id else None
        owner_pid = owner.personal_id if owner else None  # the applicant's own approved stay: nothing to hide
        ward = get_ward(session, current.ward_code)
        application = ResidenceApplication(
            kind="extension",
            applicant_citizen_id=applicant.id,
            ward_code=ward.code,
            province_code=ward.province_code,
            street=current.street,
            street_folded=fold(current.street),
            legal_basis=origin.legal_basis if origin else "owner",
            owner_citizen_id=owner.id if owner else None,
            owner_personal_id=owner_pid,
            reason=nfc(data["reason"]),
            start_date=start,
            end_date=data["end_date"],
            status="submitted",
            submitted_at=now,
        )
        session.add(application)
        _event(application, "submitted", now, principal)
        _after_submission(session, application, owner, now, principal)
        session.flush()
        return application, str(application.id)

    return idempotency.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="residence-extend",
        request=data,
        replay=lambda ref: session.get(ResidenceApplication, int(ref)),
        make=make,
        now=now,
    )


def deregister(
    *, session: Session, principal: Principal, reason: str, now: datetime | None = None
) -> TemporaryResidence:
    citizen = _citizen_of(session, principal)
    return registration.end_residence(session=session, citizen=citizen, reason=reason, now=now or clock.now())


def work_queue(
    *, session: Session, principal: Principal, now: datetime | None = None
) -> list[tuple[ResidenceApplication, Citizen]]:
    """Applications under review in the officer's jurisdiction, oldest first (audited: it shows names)."""
    if principal.role != OFFICER or not principal.scope_code:
        raise Forbidden("Only officers have a work queue.")
    scope = principal.scope_code
    column = ResidenceApplication.province_code if len(scope) == 2 else ResidenceApplication.ward_code
    covered = units.jurisdiction(scope, clock.local_date(now or clock.now()))
    rows = session.execute(
        sa.select(ResidenceApplication, Citizen)
        .join(Citizen, Citizen.id == ResidenceApplication.applicant_citizen_id)
        .where(column.in_(sorted(covered)), ResidenceApplication.status == UNDER_REVIEW)
        .order_by(ResidenceApplication.received_at, ResidenceApplication.id)
    ).all()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[c.id for _a, c in rows],
        action="read",
        record_type="residence-work-queue",
        purpose="temporary-residence work queue",
    )
    return [(a, c) for a, c in rows]


def applicant_residence(
    *, session: Session, principal: Principal, application_id: int, purpose: str
) -> tuple[Citizen, list[TemporaryResidence]]:
    """The applicant's residence information from the registry, for the officer deciding (audited)."""
    application = _as_covering_officer(session, principal, application_id)
    applicant = session.get(Citizen, application.applicant_citizen_id)
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[applicant.id],
        action="read",
        record_type="residence",
        record_ref=applicant.personal_id,
        purpose=purpose,
    )
    history = list(
        session.scalars(
            sa.select(TemporaryResidence)
            .where(TemporaryResidence.citizen_id == applicant.id)
            .order_by(TemporaryResidence.start_date.desc(), TemporaryResidence.id.desc())
        )
    )
    return applicant, history
