"""Document numbers as agencies give them: a per-agency, per-year book allocated inside the issuing
transaction, so two documents never share a number and a rolled-back issue gives its number back."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.documents.models import DocumentNumberSequence


def allocate(session: Session, agency_code: str, year: int) -> int:
    """The next number in the agency's book for `year` (1, 2, ...).

    The increment is one UPDATE ... RETURNING: the row lock it takes serialises concurrent issuers of the
    same agency on PostgreSQL (SQLite serialises all writers anyway). The first document of a year creates
    the row; a racing creator hits the primary key and retries the increment."""
    table = DocumentNumberSequence.__table__
    bump = (
        sa.update(table)
        .where(table.c.agency_code == agency_code, table.c.year == year)
        .values(last_number=table.c.last_number + 1)
        .returning(table.c.last_number)
    )
    number = session.execute(bump).scalar_one_or_none()
    if number is not None:
        return number
    try:
        with session.begin_nested():
            session.execute(sa.insert(table).values(agency_code=agency_code, year=year, last_number=1))
        return 1
    except sa.exc.IntegrityError:
        return session.execute(bump).scalar_one()


def format_number(sequence: int, year: int, symbol: str, agency_code: str) -> str:
    """ "000125/2026/XNCT-CAX00001": sequence / year / document symbol and agency code."""
    return f"{sequence:06d}/{year}/{symbol}-{agency_code}"
