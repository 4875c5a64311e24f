"""What the residence API shows: small read models the schemas of shared_schemas.residence dump. Lists are
built with a fixed number of statements (people, approval notices and each application's members, events and
attachments are loaded for the whole list at once); addresses are named from in-memory reference data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from backend.core import clock
from backend.core.access import Principal
from backend.documents.models import SignedDocument
from backend.registry.models import Citizen
from backend.registry.service import Address, resolve_address
from backend.residence.models import ResidenceApplication, TemporaryResidence
from backend.residence.registration import APPROVAL_NOTICE
from backend.residence.working_days import working_days_between


@dataclass(frozen=True)
class Person:
    personal_id: str | None
    full_name: str | None

    @classmethod
    def of(cls, citizen: Citizen | None) -> Person | None:
        return None if citizen is None else cls(citizen.personal_id, citizen.full_name)


@dataclass(frozen=True)
class ApplicationView:
    """An application as its applicant, its owner or an officer sees it (ApplicationSchema)."""

    application: ResidenceApplication
    applicant: Person
    owner: Person | None
    address: Address
    overdue: bool
    members: list[Person]
    approval_document_id: str | None

    def __getattr__(self, name: str):  # id, kind, status, dates, legal basis, events, attachments
        return getattr(self.application, name)


def application(
    session: Session, item: ResidenceApplication, *, now: datetime, viewer: Principal | None = None
) -> ApplicationView:
    return applications(session, [item], now=now, viewer=viewer)[0]


def applications(
    session: Session, items: Sequence[ResidenceApplication], *, now: datetime, viewer: Principal | None = None
) -> list[ApplicationView]:
    ids = [item.id for item in items]
    if not ids:
        return []
    session.scalars(  # fills the collections of the applications already in the session
        sa.select(ResidenceApplication)
        .where(ResidenceApplication.id.in_(ids))
        .options(
            selectinload(ResidenceApplication.members),
            selectinload(ResidenceApplication.events),
            selectinload(ResidenceApplication.attachments),
        )
    ).all()
    people = _citizens(session, _people_of(items))
    approvals = dict(
        session.execute(
            sa.select(SignedDocument.source_ref, SignedDocument.id).where(
                SignedDocument.doc_type == APPROVAL_NOTICE,
                SignedDocument.source_ref.in_([f"residence-application:{i}" for i in ids]),
            )
        ).all()
    )
    today = clock.local_date(now)
    return [
        ApplicationView(
            application=item,
            applicant=Person.of(people.get(item.applicant_citizen_id)),
            owner=_owner_as_seen_by(item, viewer, people),
            address=resolve_address(session, item.ward_code, item.street, on=today),
            overdue=bool(item.due_on and item.status == "under_review" and today > item.due_on),
            members=[Person.of(people.get(m.citizen_id)) for m in item.members],
            approval_document_id=approvals.get(f"residence-application:{item.id}"),
        )
        for item in items
    ]


def _people_of(items: Iterable[ResidenceApplication]) -> set[int]:
    ids: set[int] = set()
    for item in items:
        ids.add(item.applicant_citizen_id)
        if item.owner_citizen_id:
            ids.add(item.owner_citizen_id)
        ids.update(m.citizen_id for m in item.members)
    return ids


def _citizens(session: Session, ids: set[int]) -> dict[int, Citizen]:
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(sa.select(Citizen).where(Citizen.id.in_(sorted(ids))))}


def _owner_as_seen_by(item: ResidenceApplication, viewer: Principal | None, people: dict[int, Citizen]):
    """The applicant sees the owner ID they typed, never a name from the registry (nor whether it exists)."""
    if viewer is not None and viewer.is_citizen(item.applicant_citizen_id):
        return Person(item.owner_personal_id, None) if item.owner_personal_id else None
    return Person.of(people.get(item.owner_citizen_id)) if item.owner_citizen_id else None


@dataclass(frozen=True)
class WorkQueueItem:
    """An application waiting for an officer, with its legal deadline in working days (WorkQueueItemSchema)."""

    id: int
    kind: str
    applicant: Person
    address: str
    received_at: datetime
    due_on: date
    working_days_left: int
    overdue: bool


def work_queue_item(session: Session, item: ResidenceApplication, applicant: Citizen, *, now: datetime):
    today = clock.local_date(now)
    left = (
        working_days_between(today, item.due_on) if item.due_on >= today else -working_days_between(item.due_on, today)
    )
    return WorkQueueItem(
        id=item.id,
        kind=item.kind,
        applicant=Person.of(applicant),
        address=resolve_address(session, item.ward_code, item.street, on=today).full_text,
        received_at=item.received_at,
        due_on=item.due_on,
        working_days_left=left,
        overdue=today > item.due_on,
    )


@dataclass(frozen=True)
class TemporaryResidenceView:
    """A temporary residence with its address named as on the day asked (TemporaryResidenceSchema)."""

    residence: TemporaryResidence
    address: Address

    def __getattr__(self, name: str):  # start_date, end_date, status, ended_on, ended_reason
        return getattr(self.residence, name)


def temporary_residence(session: Session, residence: TemporaryResidence, *, on: date) -> TemporaryResidenceView:
    return TemporaryResidenceView(residence, resolve_address(session, residence.ward_code, residence.street, on=on))


@dataclass(frozen=True)
class ApplicantResidence:
    """The applicant's residence from the registry, for the officer deciding (ApplicantResidenceSchema)."""

    citizen: Citizen
    permanent_address: Address
    temporary_address: Address | None
    temporary_residences: list[TemporaryResidenceView]

    def __getattr__(self, name: str):  # personal_id, full_name, date_of_birth, temporary_until
        return getattr(self.citizen, name)


def applicant_residence(
    session: Session, citizen: Citizen, history: list[TemporaryResidence], *, on: date
) -> ApplicantResidence:
    temporary = None
    if citizen.temporary_ward_code:
        temporary = resolve_address(session, citizen.temporary_ward_code, citizen.temporary_street or "", on=on)
    return ApplicantResidence(
        citizen=citizen,
        permanent_address=resolve_address(session, citizen.permanent_ward_code, citizen.permanent_street, on=on),
        temporary_address=temporary,
        temporary_residences=[temporary_residence(session, r, on=on) for r in history],
    )
