"""The access log's page cursor (`meta.next`, `?after=`): where the previous page stopped, signed by the server.

It is valid for one citizen, page size and period, and carries the page's number, the citizen's total as counted
on the first page, and the time and id of the page's last (oldest) event. Signed (itsdangerous, the app's
SECRET_KEY, a salt of its own) because the server takes the page number and the total from it without counting
again: a cursor the server did not make, or made for another citizen, page size or period, is refused (422)
rather than echoed. Not encrypted: it tells its holder nothing the page did not show.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from backend.audit.service import LogPosition
from backend.errors import ValidationFailed

_SALT = "congdan.access-log.cursor"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def _scope(citizen_id: int, per_page: int, since: date | None, until: date | None) -> list:
    """What a cursor is valid for: the citizen, the page size and the period its total was counted over."""
    return [citizen_id, per_page, since.isoformat() if since else None, until.isoformat() if until else None]


def encode(position: LogPosition | None, *, citizen_id: int, per_page: int, since=None, until=None) -> str | None:
    if position is None:
        return None
    micros = (position.occurred_at - _EPOCH) // timedelta(microseconds=1)
    scope = _scope(citizen_id, per_page, since, until)
    return _serializer().dumps([scope, position.page, position.total, micros, position.event_id])


def decode(text: str, *, citizen_id: int, per_page: int, since=None, until=None) -> LogPosition:
    try:
        scope, page, total, micros, event_id = _serializer().loads(text)
        if scope != _scope(citizen_id, per_page, since, until):
            raise ValueError
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (page, total, micros, event_id)):
            raise ValueError
        return LogPosition(page, total, _EPOCH + timedelta(microseconds=micros), event_id)
    except (BadSignature, ValueError, TypeError, OverflowError):
        raise ValidationFailed(
            "not a cursor of your access log: pass back meta.next as given",
            errors={"query": {"after": ["not a cursor of this log"]}},
        ) from None
