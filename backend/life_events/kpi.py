"""Processing time of the linked procedures from their recorded events, in working days (what the KPI dashboard
shows): per step, from reaching its agency's queue to its decision, against its legal deadline; per chain, from
the declaration to the last decision."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.life_events.models import DONE, READY, LifeEventApplication
from backend.residence.working_days import local_date, working_days_between


@dataclass(frozen=True)
class StepTime:
    step: str
    agency: str
    working_days: int
    on_time: bool


@dataclass(frozen=True)
class ChainTime:
    ref: str
    kind: str
    working_days: int
    steps: tuple[StepTime, ...]


def chain_times(*, session: Session, kind: str) -> list[ChainTime]:
    """Completed applications of `kind`, timed from their event log (not from the steps' current columns)."""
    applications = session.scalars(
        sa.select(LifeEventApplication).where(
            LifeEventApplication.kind == kind, LifeEventApplication.status == "completed"
        )
    )
    times = []
    for application in applications:
        ready = {e.step: e.occurred_at for e in application.events if e.status == READY}
        done = {e.step: e.occurred_at for e in application.events if e.status == DONE}
        submitted = next(e.occurred_at for e in application.events if e.status == "submitted")
        completed = next(e.occurred_at for e in application.events if e.status == "completed")
        steps = tuple(
            StepTime(
                s.step,
                s.agency,
                working_days_between(local_date(ready[s.step]), local_date(done[s.step])),
                s.due_on is None or local_date(done[s.step]) <= s.due_on,
            )
            for s in application.steps
            if s.step in done and s.step in ready
        )
        times.append(
            ChainTime(
                application.public_id, kind, working_days_between(local_date(submitted), local_date(completed)), steps
            )
        )
    return times


def _p90(values: list[int]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else float(values[0])


def summary(times: list[ChainTime]) -> dict:
    """Median, 90th percentile and on-time share per step, and for the whole chain."""
    by_step: dict[str, list[StepTime]] = {}
    for chain in times:
        for step in chain.steps:
            by_step.setdefault(step.step, []).append(step)
    totals = [c.working_days for c in times]
    return {
        "chains": len(times),
        "total": {"median": statistics.median(totals), "p90": _p90(totals), "max": max(totals)} if totals else {},
        "steps": {
            name: {
                "count": len(rows),
                "median": statistics.median(r.working_days for r in rows),
                "p90": _p90([r.working_days for r in rows]),
                "max": max(r.working_days for r in rows),
                "on_time": sum(r.on_time for r in rows) / len(rows),
            }
            for name, rows in by_step.items()
        },
    }
