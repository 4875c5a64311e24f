"""Token-family state cached in each process, so that the revocation check of an authenticated request needs no
database round trip, yet logging out, ending sessions and disabling or demoting an account reach every process
within seconds.

How: every transaction that revokes a family or changes an account's status, role, level, scope or citizen link
also raises the version in `auth_state_epochs` (detected here from the session's own statements and flushes, so
no service has to remember it). A process reads that version at most every TOKEN_STATE_RECHECK_S seconds and
empties its cache when it moved; its own changes empty its cache at once. A cached entry is also never older
than TOKEN_STATE_MAX_AGE_S (changes made outside the ORM, e.g. by hand in psql), and a refusal is never taken
from the cache: a token the cached state would refuse is checked against the database first (a level raised in
another process must not refuse the new token).
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from backend.auth.models import Account, AuthStateEpoch, TokenFamily

EPOCH_ID = 1
_WATCHED = frozenset({"status", "role", "level", "scope_code", "citizen_id"})
_CHANGED = "congdan.auth_state_changed"
_RAISED = "congdan.auth_state_raised"
_caches: weakref.WeakSet[TokenStateCache] = weakref.WeakSet()


@dataclass(frozen=True)
class FamilyState:
    revoked: bool
    account_id: int
    status: str
    role: str
    level: int
    scope_code: str | None
    citizen_id: int | None

    def refuses(self, payload: dict) -> bool:
        if self.revoked or self.status != "active" or str(self.account_id) != str(payload.get("sub")):
            return True
        if payload.get("type") == "access":
            claimed = (payload.get("role"), payload.get("lvl"), payload.get("scope"), payload.get("cid"))
            return claimed != (self.role, self.level, self.scope_code or None, self.citizen_id)
        return False


def load_state(session: Session, family_id: str) -> FamilyState | None:
    """The family and its account as they are now: one indexed join."""
    row = session.execute(
        sa.select(
            TokenFamily.revoked_at,
            TokenFamily.account_id,
            Account.status,
            Account.role,
            Account.level,
            Account.scope_code,
            Account.citizen_id,
        )
        .join(Account, Account.id == TokenFamily.account_id)
        .where(TokenFamily.id == family_id)
    ).first()
    if row is None:
        return None
    return FamilyState(row.revoked_at is not None, row.account_id, row.status, row.role, row.level, *row[5:])


class TokenStateCache:
    """family id -> (FamilyState, loaded at), emptied when the database's version moves."""

    def __init__(self, *, recheck_s: float, max_age_s: float, max_entries: int = 200_000) -> None:
        self.recheck_s, self.max_age_s, self.max_entries = recheck_s, max_age_s, max_entries
        self.entries: dict[str, tuple[FamilyState, float]] = {}
        self.version: int | None = None
        self.checked_at = float("-inf")
        self.lock = threading.Lock()
        _caches.add(self)

    def clear(self) -> None:
        self.entries = {}

    def _sync(self, session: Session, now: float) -> None:
        if now - self.checked_at < self.recheck_s:
            return
        with self.lock:
            if now - self.checked_at < self.recheck_s:
                return
            version = session.scalar(sa.select(AuthStateEpoch.version).where(AuthStateEpoch.id == EPOCH_ID)) or 0
            if version != self.version:
                self.clear()
                self.version = version
            self.checked_at = now

    def is_refused(self, session: Session, payload: dict) -> bool:
        family_id = payload.get("fam")
        if not family_id:
            return True
        now = time.monotonic()
        self._sync(session, now)
        cached = self.entries.get(family_id)
        if cached is not None and now - cached[1] < self.max_age_s and not cached[0].refuses(payload):
            return False
        state = load_state(session, family_id)
        if state is None:
            self.entries.pop(family_id, None)
            return True
        if len(self.entries) >= self.max_entries:
            self.clear()
        # Keyed under the version read before the load: a change committed meanwhile moves the version.
        self.entries[family_id] = (state, now)
        return state.refuses(payload)


def is_token_refused(session: Session, payload: dict) -> bool:
    """The cached check of the app's process (a plain database check when TOKEN_STATE_RECHECK_S is 0)."""
    cache = current_app.extensions.get("congdan.token_state")
    if cache is None:
        state = load_state(session, payload.get("fam")) if payload.get("fam") else None
        return state is None or state.refuses(payload)
    return cache.is_refused(session, payload)


def init_app(app) -> None:
    recheck = float(app.config.get("TOKEN_STATE_RECHECK_S", 2))
    if recheck > 0:
        app.extensions["congdan.token_state"] = TokenStateCache(
            recheck_s=recheck, max_age_s=float(app.config.get("TOKEN_STATE_MAX_AGE_S", 30))
        )


# --- noticing changes ---------------------------------------------------------------------------------------
def _touches_auth_state(mappers) -> bool:
    return any(m.class_ in (TokenFamily, Account) for m in mappers)


def _changed(session: Session) -> None:
    # This process forgets at once (even a flushed, uncommitted change is what its own later reads see);
    # the others when the committed version reaches them.
    session.info[_CHANGED] = True
    _clear_all()


@sa.event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state) -> None:
    if (state.is_update or state.is_delete) and _touches_auth_state(state.all_mappers):
        _changed(state.session)


@sa.event.listens_for(Session, "before_flush")
def _flushed_objects(session: Session, _context, _instances) -> None:
    if session.info.get(_CHANGED):
        return
    for obj in session.deleted:
        if isinstance(obj, TokenFamily | Account):
            _changed(session)
            return
    for obj in session.dirty:
        if isinstance(obj, TokenFamily) or (
            isinstance(obj, Account) and any(sa.inspect(obj).attrs[name].history.has_changes() for name in _WATCHED)
        ):
            _changed(session)
            return


@sa.event.listens_for(Session, "before_commit")
def _raise_version(session: Session) -> None:
    """Last statement of the transaction, so the row lock is held only while committing (no lock-order cycle)."""
    session.flush()
    if not session.info.pop(_CHANGED, False):
        return
    raised = session.execute(
        sa.update(AuthStateEpoch).where(AuthStateEpoch.id == EPOCH_ID).values(version=AuthStateEpoch.version + 1)
    )
    if raised.rowcount == 0:
        session.add(AuthStateEpoch(id=EPOCH_ID, version=1))
        session.flush()
    session.info[_RAISED] = True
    _clear_all()


@sa.event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # Again after the commit: a request of this process may have cached the old state in between.
    if session.info.pop(_RAISED, False):
        _clear_all()


def _clear_all() -> None:
    for cache in list(_caches):
        cache.clear()


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    if not session.in_transaction():
        session.info.pop(_CHANGED, None)
