"""The unit of work at the API edge: every guarded view (`@access`, `@public`, the web-session consoles) runs
inside `committed`, so a request's writes - including the audit record of a read - are committed once, after
the view, and routes never commit by hand. A lost race is retried from the start."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.database import expect_writes, is_read_only_refusal
from backend.errors import DomainError
from backend.extensions import db

log = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 8
_KEEP = "congdan.keep_when_refused"


def keep_when_refused(session: Session) -> None:
    """The writes made so far persist even though the request then ends in a refusal (a spent attempt, a
    revoked token family, a recorded failed guess)."""
    session.info[_KEEP] = True


def committed(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run one request's work and commit. A lost race is retried from the start, where the winner's result is
    then found: a concurrent twin can take a unique key first (an Idempotency-Key, a nonce), and SQLite
    refuses a write whose read snapshot went stale ("database is locked"). A refused request (a DomainError)
    leaves nothing of its own behind, not even a nonce, unless the service asked to `keep_when_refused`."""
    session = db.session
    if session.info.get(_KEEP) is not None:  # already inside a unit of work: the outer one commits
        return work()
    for attempt in range(attempts):
        session.info[_KEEP] = False
        try:
            # What came before (a guard's reads, a caller's own writes) survives a refusal. No savepoint
            # when nothing came before: opening one would begin the transaction (and SQLite's write lock) early.
            # Nor on the read-only autocommit connections: there every statement is committed at once and a write
            # is refused, so there is nothing of the request's to roll back to.
            savepoint = session.begin_nested() if session.in_transaction() and not db.reads_only(session) else None
            try:
                result = work()
            except BaseException as exc:
                if isinstance(exc, DomainError) and session.info.get(_KEEP):
                    session.commit()
                elif savepoint is not None and savepoint.is_active:
                    savepoint.rollback()
                else:
                    session.rollback()
                raise
            # Nothing begun and nothing pending (a heartbeat whose kiosk and nonce came from caches): committing
            # would open an empty transaction and end it, firing the commit hooks on nothing (measured: 58 µs of
            # a heartbeat's CPU, bench/profile_heartbeat.py). Nor is there anything to commit on the reader when
            # nothing is pending: the database committed each statement as it ran and refuses writes there; the
            # session's end returns the connection (on PostgreSQL 0.05 ms of GET /citizens/me,
            # bench/profile_request.py). Anything pending flushes in the commit, as ever - on the reader, into
            # the database's refusal and the run again on the writer below.
            pending = session.new or session.dirty or session.deleted
            if pending or (session.in_transaction() and not db.reads_only(session)):
                session.commit()
            return result
        except sa.exc.DBAPIError as exc:
            if db.reads_only(session) and (is_read_only_refusal(exc) or exc.connection_invalidated):
                # A read request that writes, or whose connection died (nothing written): run it again at once on
                # the writer, in one transaction.
                db.use_writer(session, wrote=not exc.connection_invalidated)
                if attempt == attempts - 1:
                    raise
                continue
            if not isinstance(exc, (sa.exc.OperationalError, sa.exc.IntegrityError)):
                raise
            session.rollback()  # the whole transaction: the retry must read afresh
            if attempt == attempts - 1:
                raise
            expect_writes()  # a read request that wrote: its retry takes SQLite's write lock at BEGIN
            log.info("write lost a race (%s); retrying", type(exc.orig).__name__)
            time.sleep(0.005 * (attempt + 1))
        finally:
            session.info.pop(_KEEP, None)
    raise AssertionError("unreachable")


def end_reads(session: Session) -> None:
    """End a transaction in which only reads ran (a guard's token check), so that no database lock is held
    while a slow request body streams in. Writes pending here would be a bug: they belong to the unit."""
    if session.new or session.dirty or session.deleted:
        raise AssertionError("end_reads() with pending writes")
    session.commit()


def hand_off(session: Session) -> None:
    """Commit what the request has done so far because another session takes over from here (a background
    worker that must see the job this request created). The rest of the request is its own unit."""
    session.commit()


def unit_of_work(view: Callable[..., T]) -> Callable[..., T]:
    """Run a view inside `committed` (the guards `@access`, `@public` and `web_login_required` apply it)."""

    @functools.wraps(view)
    def run(*args, **kwargs):
        return committed(lambda: view(*args, **kwargs))

    return run
