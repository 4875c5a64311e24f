"""Recording and listing accesses to a citizen's data."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Session

from backend.audit.models import AuditEvent
from backend.core import clock
from backend.core.access import Principal

# A Core insert into the table, built once: the ORM's bulk insert of the same rows costs about twice the CPU, and
# a statement built per call has its cache key computed again each time. Every audited request runs it.
_RECORD = sa.insert(AuditEvent.__table__)


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
        session.flush()  # pending rows of the request first, as the ORM insert's autoflush did
        session.execute(_RECORD, rows)


# What the citizen's page shows (AuditEventSchema) and the id its cursor needs: plain rows, no ORM objects (a page
# of ORM entities cost about a third of the request's CPU).
_PAGE_COLUMNS = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.actor_role,
    AuditEvent.actor_label,
    AuditEvent.action,
    AuditEvent.record_type,
    AuditEvent.purpose,
    AuditEvent.client_kind,
    AuditEvent.client_id,
)


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
    events: list[sa.RowMapping]  # the page's columns by name
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
    One event more than the page is read, to know whether a next page exists. `since` / `until` are Vietnamese
    calendar days (inclusive), bound on the partition key, so PostgreSQL plans only the months they cover."""
    params = {"citizen_id": citizen_id, "limit": per_page + 1}
    if since is not None:
        params["since_at"] = clock.end_of_local_day(since - timedelta(days=1))
    if until is not None:
        params["until_at"] = clock.end_of_local_day(until)
    statement = _page_statement(since is not None, until is not None, after is not None)
    if after is not None:
        params.update(after_at=after.occurred_at, after_id=after.event_id)
        events = session.execute(statement, params).all()
        page, total = after.page + 1, after.total
    else:
        params["offset"] = (page - 1) * per_page
        events = session.execute(statement, params).all()
        if events:
            total = events[0].total
        elif params["offset"] == 0:
            total = 0
        else:  # a page past the end: the count alone (rare)
            counted = _page_statement(since is not None, until is not None, None)
            total = session.execute(counted, {k: v for k, v in params.items() if k not in ("limit", "offset")})
            total = total.scalar_one()
    last = events[per_page - 1] if len(events) > per_page else None
    following = LogPosition(page, total, last.occurred_at, last.id) if last is not None else None
    return LogPage(events=[row._mapping for row in events[:per_page]], page=page, total=total, next=following)


@functools.cache
def _page_statement(since: bool, until: bool, after: bool | None) -> sa.Select:
    """The page's statement for each shape of request, built once with bound parameters (building it per request
    cost more CPU than PostgreSQL spends on the page). after=True: a page after a cursor; False: a page by number
    with the count; None: the count alone."""
    timestamp = AuditEvent.occurred_at.type
    query = sa.select(*_PAGE_COLUMNS).where(AuditEvent.subject_citizen_id == sa.bindparam("citizen_id"))
    if since:
        query = query.where(AuditEvent.occurred_at >= sa.bindparam("since_at", type_=timestamp))
    if until:
        query = query.where(AuditEvent.occurred_at < sa.bindparam("until_at", type_=timestamp))
    counted = sa.select(sa.func.count()).select_from(query.subquery())
    if after is None:
        return counted
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    limit = sa.bindparam("limit", type_=sa.Integer)
    if after:
        moment = sa.bindparam("after_at", type_=timestamp)
        return query.where(
            AuditEvent.occurred_at <= moment,  # a bound on the partition key: later months are not planned at all
            sa.tuple_(AuditEvent.occurred_at, AuditEvent.id) < sa.tuple_(moment, sa.bindparam("after_id")),
        ).limit(limit)
    offset = sa.bindparam("offset", type_=sa.Integer)
    return query.add_columns(counted.scalar_subquery().label("total")).limit(limit).offset(offset)


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
