"""The theory re-test of a licence at 0 points (sát hạch lại lý thuyết): recorded by an officer, never before
the earliest day the law allows (Road Traffic Order and Safety Law 2024 Art. 58(3)); passing restores the points."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import Principal
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.registry.models import DrivingLicence
from backend.traffic.licences import LicenceState, licence_state, sync_licence
from backend.traffic.models import LicenceRetest


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"json": {field: [message]}})


class RetestTooEarly(Conflict):
    code, title = "retest-too-early", "The theory re-test is not allowed yet"


def record_retest(
    *, session: Session, principal: Principal, number: str, passed_on: date, now: datetime | None = None
) -> LicenceState:
    """An officer records that the holder of a licence at 0 points passed the theory re-test, which restores
    full points. Road Traffic Order and Safety Law 2024 Art. 58(3): not before 6 months after reaching 0."""
    now = now or clock.now()
    licence = session.scalar(sa.select(DrivingLicence).where(DrivingLicence.number == number))
    if licence is None:
        raise NotFound("No driving licence has this number.")
    if passed_on > clock.local_date(now):
        raise _invalid("passed_on", "The re-test cannot be passed in the future.")
    state = licence_state(session, licence, passed_on)
    if state.points > 0 or state.retest_from is None:
        raise Conflict("This licence is not at 0 points: there is no re-test to record.")
    if passed_on < state.retest_from:
        raise RetestTooEarly(
            f"Sát hạch lại lý thuyết sớm nhất từ ngày {state.retest_from:%d/%m/%Y} (6 tháng sau khi hết điểm). "
            f"/ The re-test is allowed from {state.retest_from:%d/%m/%Y}, 6 months after reaching 0 points."
        )
    session.add(
        LicenceRetest(
            licence_id=licence.id, passed_on=passed_on, recorded_at=now, recorded_by_account_id=principal.account_id
        )
    )
    session.flush()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[licence.citizen_id],
        action="update",
        record_type="driving-licence",
        purpose="theory re-test passed",
        record_ref=licence.number,
    )
    return sync_licence(session=session, licence=licence, on=clock.local_date(now))
