"""Vietnam's civil time: UTC+7 all year (no daylight saving). Dates that the law counts - deadlines, the
day a ticket or a quota belongs to - are Vietnam dates, whatever the server's own time zone is."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


def vietnam_date(moment: datetime) -> date:
    """The Vietnam calendar date of an aware datetime."""
    return moment.astimezone(VIETNAM_TZ).date()
