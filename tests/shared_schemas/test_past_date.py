"""PastDate refuses the future by Vietnam's calendar, whatever the server's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import marshmallow as ma
import pytest

from shared_schemas import base
from shared_schemas.base import PastDate
from shared_schemas.clock import VIETNAM_TZ


class _Frozen(datetime):
    # 23:30 UTC two days ahead of the real clock: already 06:30 the day after in Hà Nội. Ahead, so that a check
    # against the machine's own date would refuse the Vietnam date as "future".
    moment = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), datetime.min.time(), UTC).replace(
        hour=23, minute=30
    )

    @classmethod
    def now(cls, tz=None):
        return cls.moment.astimezone(tz) if tz else cls.moment.replace(tzinfo=None)


def test_today_in_vietnam_is_not_the_future_while_utc_is_still_yesterday(monkeypatch):
    monkeypatch.setattr(base, "datetime", _Frozen)
    field = PastDate()
    vietnam_today = _Frozen.moment.astimezone(VIETNAM_TZ).date()
    assert field.deserialize(vietnam_today.isoformat()) == vietnam_today
    with pytest.raises(ma.ValidationError):
        field.deserialize((vietnam_today + timedelta(days=1)).isoformat())
