"""Vietnam's civil time: UTC+7 all year (no daylight saving). Dates that the law counts - deadlines, the
day a ticket or a quota belongs to - are Vietnam dates, whatever the server's own time zone is."""

from __future__ import annotations

from datetime import timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
