"""What an approved application changes: the registry's residence record (Citizen.temporary_*), the
temporary-residence history, residence confirmations that become void, and the signed approval notice.
Also deregistration, residence confirmations and end-of-period reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import clock
from backend.documents.models import SignedDocument
from backend.documents.pdf import Line
from backend.documents.service import issue_document, revoke_for_holder, supersede
from backend.errors import Conflict
from backend.notifications.service import notify
from backend.registry.models import Citizen
from backend.registry.service import resolve_address
from backend.residence.models import ResidenceApplication, TemporaryResidence

RESIDENCE_CONFIRMATION = "residence-confirmation"
APPROVAL_NOTICE = "temporary-residence-approval"
CONFIRMATION_VALIDITY = timedelta(days=365)
APPROVAL_NOTICE_VALIDITY = timedelta(days=365 * 2 + 30)
REMINDER_DAYS = 15


def active_residence(session: Session, citizen_id: int) -> TemporaryResidence | None:
    return session.scalar(
        sa.select(TemporaryResidence).where(
            TemporaryResidence.citizen_id == citizen_id, TemporaryResidence.status == "active"
        )
    )


def _residence_changed(session: Session, citizen: Citizen, now: datetime) -> None:
    """A confirmation states the residence: once it changes, the confirmation is void."""
    revoke_for_holder(
        session=session, citizen_id=citizen.id, doc_type=RESIDENCE_CONFIRMATION, reason="residence-changed", now=now
    )


def apply_approval(*, session: Session, application: ResidenceApplication, now: datetime) -> SignedDocument:
    """Update the registry in the caller's transaction and issue the signed approval notice."""
    people = [session.get(Citizen, application.applicant_citizen_id)]
    people += [session.get(Citizen, m.citizen_id) for m in application.members]
    for citizen in people:
        current = active_residence(session, citizen.id)
        if application.kind == "extension" and current is not None:
            current.end_date = application.end_date
        else:
            if current is not None:
                current.status, current.ended_on = "ended", clock.local_date(now)
                current.ended_reason = "superseded"
            session.add(
                TemporaryResidence(
                    citizen_id=citizen.id,
                    ward_code=application.ward_code,
                    street=application.street,
                    start_date=application.start_date,
                    end_date=application.end_date,
                    status="active",
                    application_id=application.id,
                )
            )
        citizen.temporary_ward_code = application.ward_code
        citizen.temporary_street = application.street
        citizen.temporary_until = application.end_date
        _residence_changed(session, citizen, now)
    session.flush()
    return _approval_notice(session, application, people, now)


def _approval_notice(
    session: Session, application: ResidenceApplication, people: list[Citizen], now: datetime
) -> SignedDocument:
    applicant = people[0]
    address = resolve_address(session, application.ward_code, application.street, on=clock.local_date(now)).full_text
    content = {
        "application_id": application.id,
        "kind": application.kind,
        "personal_id": applicant.personal_id,
        "full_name": applicant.full_name,
        "address": address,
        "start_date": application.start_date.isoformat(),
        "end_date": application.end_date.isoformat(),
        "members": [p.full_name for p in people[1:]],
    }
    lines = [
        Line("Họ và tên", "Full name", applicant.full_name),
        Line("Số định danh cá nhân", "Personal ID number", applicant.personal_id),
        Line("Nơi tạm trú", "Temporary residence", address),
        Line("Thời hạn tạm trú", "Period", f"{_vn(application.start_date)} - {_vn(application.end_date)}"),
        Line("Người cùng đăng ký", "Registered with", ", ".join(content["members"]) or "Không / None"),
        Line("Số hồ sơ", "Application no.", str(application.id)),
    ]
    kind_vi = "gia hạn tạm trú" if application.kind == "extension" else "đăng ký tạm trú"
    kind_en = "extension" if application.kind == "extension" else "registration"
    document = issue_document(
        session=session,
        holder=applicant,
        doc_type=APPROVAL_NOTICE,
        jurisdiction=application.ward_code,
        title=(f"Thông báo kết quả {kind_vi}", f"Notice of the result of temporary-residence {kind_en}"),
        lines=lines,
        content=content,
        validity=APPROVAL_NOTICE_VALIDITY,
        source_ref=f"residence-application:{application.id}",
        now=now,
        note_vi="Thông tin tạm trú đã được cập nhật vào Cơ sở dữ liệu về cư trú.",
        note_en="The temporary residence has been recorded in the residence database.",
    )
    if application.kind == "extension":
        supersede(session=session, holder_citizen_id=applicant.id, doc_type=APPROVAL_NOTICE, new=document, now=now)
    notify(
        session=session,
        citizen_id=applicant.id,
        kind="document-issued",
        title="Văn bản điện tử đã được cấp / Document issued",
        body=f"Thông báo kết quả {kind_vi} (số {document.number}).",
        ref=f"document:{document.id}",
    )
    return document


def end_residence(*, session: Session, citizen: Citizen, reason: str, now: datetime) -> TemporaryResidence:
    """Deregister (xóa đăng ký tạm trú) the citizen's active temporary residence."""
    current = active_residence(session, citizen.id)
    if current is None:
        raise Conflict("You have no active temporary residence.")
    current.status, current.ended_on, current.ended_reason = "ended", clock.local_date(now), reason
    citizen.temporary_ward_code = citizen.temporary_street = citizen.temporary_until = None
    _residence_changed(session, citizen, now)
    notify(
        session=session,
        citizen_id=citizen.id,
        kind="residence-deregistered",
        title="Đã xóa đăng ký tạm trú / Temporary residence deregistered",
        body=f"Tạm trú tại {current.street} đã chấm dứt ngày {_vn(current.ended_on)}.",
        ref=None,
    )
    return current


def issue_confirmation(*, session: Session, citizen: Citizen, include_history: bool, now: datetime) -> SignedDocument:
    """The residence confirmation (replaces form CT07): valid one year, void when the residence changes."""
    today = clock.local_date(now)  # a document issued today names today's units
    permanent = resolve_address(session, citizen.permanent_ward_code, citizen.permanent_street, on=today).full_text
    temporary = None
    if citizen.temporary_ward_code:
        temporary = resolve_address(
            session, citizen.temporary_ward_code, citizen.temporary_street or "", on=today
        ).full_text
    content = {
        "personal_id": citizen.personal_id,
        "full_name": citizen.full_name,
        "date_of_birth": citizen.date_of_birth.isoformat(),
        "permanent_address": permanent,
        "temporary_address": temporary,
        "temporary_until": citizen.temporary_until.isoformat() if citizen.temporary_until else None,
    }
    lines = [
        Line("Họ và tên", "Full name", citizen.full_name),
        Line("Ngày sinh", "Date of birth", _vn(citizen.date_of_birth)),
        Line("Số định danh cá nhân", "Personal ID number", citizen.personal_id),
        Line("Nơi thường trú", "Permanent residence", permanent),
        Line(
            "Nơi tạm trú",
            "Temporary residence",
            f"{temporary} (đến / until {_vn(citizen.temporary_until)})" if temporary else "Không có / None",
        ),
    ]
    if include_history:
        history = session.scalars(
            sa.select(TemporaryResidence)
            .where(TemporaryResidence.citizen_id == citizen.id)
            .order_by(TemporaryResidence.start_date)
        )
        entries = [
            f"{resolve_address(session, r.ward_code, r.street, on=today).full_text}: {_vn(r.start_date)} - "
            f"{_vn(r.ended_on or r.end_date)}"
            for r in history
        ]
        content["history"] = entries
        lines.append(Line("Quá trình tạm trú", "Temporary residence history", "\n".join(entries) or "Không / None"))
    document = issue_document(
        session=session,
        holder=citizen,
        doc_type=RESIDENCE_CONFIRMATION,
        jurisdiction=citizen.temporary_ward_code or citizen.permanent_ward_code,
        lines=lines,
        content=content,
        validity=CONFIRMATION_VALIDITY,
        now=now,
        note_vi="Văn bản có giá trị 01 năm kể từ ngày cấp và hết giá trị khi thông tin cư trú thay đổi.",
        note_en="Valid for one year from issue; void as soon as the residence information changes.",
    )
    notify(
        session=session,
        citizen_id=citizen.id,
        kind="document-issued",
        title="Xác nhận thông tin về cư trú đã được cấp / Residence confirmation issued",
        body=f"Số văn bản {document.number}.",
        ref=f"document:{document.id}",
    )
    return document


def remind_ending(*, session: Session, today: date, now: datetime) -> int:
    """Tell citizens whose temporary residence ends within REMINDER_DAYS that they can extend it (once)."""
    due = session.scalars(
        sa.select(TemporaryResidence).where(
            TemporaryResidence.status == "active",
            TemporaryResidence.reminded_at.is_(None),
            TemporaryResidence.end_date <= today + timedelta(days=REMINDER_DAYS),
            TemporaryResidence.end_date >= today,
        )
    ).all()
    for residence in due:
        residence.reminded_at = now
        notify(
            session=session,
            citizen_id=residence.citizen_id,
            kind="residence-ending-soon",
            title="Tạm trú sắp hết hạn / Temporary residence ending soon",
            body=f"Tạm trú tại {residence.street} hết hạn ngày {_vn(residence.end_date)}. "
            "Bạn có thể gia hạn trong 15 ngày trước ngày hết hạn.",
            ref=None,
        )
    return len(due)


def _vn(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "-"
