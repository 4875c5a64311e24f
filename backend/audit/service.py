"""Recording and listing accesses to a citizen's data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Session

from backend.audit.models import AuditEvent
from backend.core import clock
from backend.core.access import Principal


def record_access(
    *,
    session: Session,
    principal: Principal,
    subject_citizen_ids: Iterable[int],
    action: str,
    record_type: str,
    purpose: str,
    record_ref: str | None = None,
) -> None:
    """Record that `principal` read or changed these citizens' data. The citizen's own accesses are
    not recorded: the trail answers "who else looked at my data"."""
    now = clock.now()
    request_id = g.get("request_id") if has_request_context() else None
    rows = [
        {
            "occurred_at": now,
            "subject_citizen_id": citizen_id,
            "actor_account_id": principal.account_id,
            "actor_role": principal.role,
            "actor_label": principal.label,
            "action": action,
            "record_type": record_type,
            "record_ref": record_ref,
            "purpose": purpose,
            "client_kind": principal.client_kind,
            "client_id": principal.client_id,
            "request_id": request_id,
        }
        for citizen_id in set(subject_citizen_ids)
        if not principal.is_citizen(citizen_id)
    ]
    if rows:
        session.execute(sa.insert(AuditEvent), rows)


def access_log_query(*, citizen_id: int, since: date | None = None, until: date | None = None) -> sa.Select:
    """The citizen's events, newest first. `since` / `until` are Vietnamese calendar days (inclusive): as literal
    bounds on the partition key they let PostgreSQL plan only the months they cover."""
    query = sa.select(AuditEvent).where(AuditEvent.subject_citizen_id == citizen_id)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= clock.end_of_local_day(since - timedelta(days=1)))
    if until is not None:
        query = query.where(AuditEvent.occurred_at < clock.end_of_local_day(until))
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


@dataclass(frozen=True)
class LogPosition:
    """Where a page stopped: its number, the citizen's total as counted on the first page, and the time and id of
    its last (oldest) event. The next page starts strictly after it in the log's order (newest first, then the
    highest id first)."""

    page: int
    total: int
    occurred_at: datetime
    event_id: int


@dataclass(frozen=True)
class LogPage:
    events: list[AuditEvent]
    page: int
    total: int
    next: LogPosition | None  # where the next page starts, None on the last page


def list_for_citizen(
    *,
    session: Session,
    citizen_id: int,
    page: int = 1,
    per_page: int,
    since: date | None = None,
    until: date | None = None,
    after: LogPosition | None = None,
) -> LogPage:
    """One page of the citizen's log in one statement, on the (subject, time, id) index of each month.

    `after` (a previous page's `next`) reads on from where that page stopped, without OFFSET and without counting
    again: the newer months are pruned by the time bound, the older ones entered at the cursor, and the total is
    the first page's, so a deep page costs less than the first one. A page by number (OFFSET, for clients that jump)
    and the first page count the citizen's events in the same statement (a scalar subquery reading the index only).
    One event more than the page is read, to know whether a next page exists."""
    query = access_log_query(citizen_id=citizen_id, since=since, until=until)
    if after is not None:
        moment = sa.literal(after.occurred_at, AuditEvent.occurred_at.type)
        query = query.where(
            AuditEvent.occurred_at <= moment,  # a bound on the partition key: later months are not planned at all
            sa.tuple_(AuditEvent.occurred_at, AuditEvent.id) < sa.tuple_(moment, sa.literal(after.event_id)),
        )
        events = list(session.scalars(query.limit(per_page + 1)))
        page, total = after.page + 1, after.total
    else:
        counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()
        offset = (page - 1) * per_page
        rows = session.execute(query.add_columns(counted.label("total")).limit(per_page + 1).offset(offset)).all()
        events = [row[0] for row in rows]
        if rows:
            total = rows[0].total
        elif offset == 0:
            total = 0
        else:  # a page past the end: the count alone (rare)
            total = session.execute(sa.select(counted)).scalar_one()
    last = events[per_page - 1] if len(events) > per_page else None
    following = LogPosition(page, total, last.occurred_at, last.id) if last is not None else None
    return LogPage(events=events[:per_page], page=page, total=total, next=following)


def record_public_read(
    *, session: Session, subject_citizen_id: int, record_type: str, record_ref: str | None, purpose: str
) -> None:
    """Record a read by someone who did not sign in (e.g. a clerk checking a document's QR): the citizen
    sees that and when it happened; the reader is known only by network address."""
    request_id = g.get("request_id") if has_request_context() else None
    client_id = (request.remote_addr or "unknown") if has_request_context() else "cli"
    session.execute(
        sa.insert(AuditEvent),
        [
            {
                "occurred_at": clock.now(),
                "subject_citizen_id": subject_citizen_id,
                "actor_account_id": None,
                "actor_role": "public",
                "actor_label": "Người kiểm tra văn bản / Document verifier",
                "action": "read",
                "record_type": record_type,
                "record_ref": record_ref,
                "purpose": purpose,
                "client_kind": "address",
                "client_id": client_id,
                "request_id": request_id,
            }
        ],
    )
