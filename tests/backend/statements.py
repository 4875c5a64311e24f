"""Count the SQL statements a request runs, to prove a list endpoint does no N+1: the count must not grow with
the number of rows listed."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa


def statements(app, call: Callable[[], object]) -> int:
    """How many statements `call` sends to the database (what it sends, not what the ORM's cache answers)."""
    engine = app.extensions["congdan.db"]["engine"]
    seen: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def flat_as_rows_grow(app, request: Callable[[], object], add_rows: Callable[[], None]) -> tuple[int, int]:
    """Statements of `request` before and after `add_rows` (the first call warms caches, it is not counted)."""
    request()
    before = statements(app, request)
    add_rows()
    return before, statements(app, request)
