"""The Project 06 dashboard's figures: who may see which area (a province officer their province, an
administrator the nation), the weeks or months shown, each indicator's rate per period and per area, the lost
points behind a rate, and the CSV/XLSX exports. Built on the cases of indicators_data."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.consoles import indicators_data as data
from backend.core import clock
from backend.core.access import ADMIN, OFFICER, Principal
from backend.errors import Forbidden, NotFound
from backend.registry.models import AdministrativeUnit

PERIODS = {"week": 8, "month": 6}
PURPOSE = "Project 06 indicators"


@dataclass(frozen=True)
class Period:
    key: str  # 2026-W48 | 2026-11
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Scope:
    """The area a leader looks at: their province (or the nation), narrowed by what they picked."""

    province_code: str | None
    ward_code: str | None
    own_province: str | None  # None: national (an administrator)


@dataclass
class Rate:
    ok: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.ok / self.total, 1) if self.total else None

    @property
    def lost(self) -> int:
        return self.total - self.ok


@dataclass
class Report:
    scope: Scope
    periods: list[Period]
    series: dict[str, list[Rate]] = field(default_factory=dict)  # indicator -> one Rate per period
    areas: list[tuple[str, str, dict[str, Rate]]] = field(default_factory=list)  # code, name, indicator -> Rate


def scope_for(*, session: Session, principal: Principal, province: str | None, ward: str | None) -> Scope:
    """Administrators see every province; an officer whose scope is a province sees that province only. Officers
    of a commune (ward) are not leaders of this dashboard."""
    if principal.role == ADMIN:
        own = None
    elif principal.role == OFFICER and principal.scope_code and len(principal.scope_code) == 2:
        own = principal.scope_code
    else:
        raise Forbidden("The Project 06 dashboard is for province and national leaders.")
    province = province or own
    if own is not None and province != own:
        raise Forbidden("This account sees its own province only.")
    if ward is not None:
        unit = session.get(AdministrativeUnit, ward)
        if unit is None or unit.level != "ward" or (province and unit.province_code != province):
            raise NotFound("No such commune in this province.")
        province = unit.province_code
    if own is not None and province != own:
        raise Forbidden("This account sees its own province only.")
    return Scope(province, ward, own)


def periods(kind: str, today: date | None = None) -> list[Period]:
    """The last weeks (Monday to Sunday) or calendar months, oldest first, the current one included."""
    today = today or clock.today()
    result = []
    if kind == "week":
        start = today - timedelta(days=today.weekday())
        for _ in range(PERIODS["week"]):
            year, week, _ = start.isocalendar()
            result.append(Period(f"{year}-W{week:02d}", start, start + timedelta(days=6)))
            start -= timedelta(days=7)
    else:
        start = today.replace(day=1)
        for _ in range(PERIODS["month"]):
            following = (start + timedelta(days=32)).replace(day=1)
            result.append(Period(start.strftime("%Y-%m"), start, following - timedelta(days=1)))
            start = (start - timedelta(days=1)).replace(day=1)
    return list(reversed(result))


def _area_of(case_province: str, case_ward: str, scope: Scope) -> str:
    return case_ward if scope.province_code else case_province


def report(*, session: Session, scope: Scope, kind: str, at: str | None) -> Report:
    """Each indicator per period (the trend), and per area (provinces, or the province's communes) for the
    period `at` (the latest by default)."""
    shown = periods(kind)
    chosen = next((p for p in shown if p.key == at), shown[-1])
    result = Report(scope, shown)
    cases = [
        c
        for c in data.event_cases(session=session, since=shown[0].start, province_code=scope.province_code)
        if scope.ward_code is None or c.ward_code == scope.ward_code
    ]
    areas: dict[str, dict[str, Rate]] = {}
    for definition in data.DEFINITIONS:
        result.series[definition.key] = [Rate() for _ in shown]
    for case in cases:
        for index, period in enumerate(shown):
            if period.start <= case.on <= period.end:
                _count(result.series[case.indicator][index], case.ok)
                if period is chosen:
                    area = areas.setdefault(_area_of(case.province_code, case.ward_code, scope), {})
                    _count(area.setdefault(case.indicator, Rate()), case.ok)
    for index, (period, populations) in enumerate(zip(shown, _populations(session, scope, shown), strict=True)):
        for population in populations:
            rate = result.series[data.LEVEL2][index]
            rate.ok, rate.total = rate.ok + population.level2, rate.total + population.eligible
            if period is chosen:
                area = areas.setdefault(_area_of(population.province_code, population.ward_code, scope), {})
                cell = area.setdefault(data.LEVEL2, Rate())
                cell.ok, cell.total = cell.ok + population.level2, cell.total + population.eligible
    names = _names(session, set(areas))
    result.areas = [(code, names.get(code, code), areas[code]) for code in sorted(areas)]
    return result


def _count(rate: Rate, ok: bool) -> None:
    rate.total += 1
    rate.ok += int(ok)


def _populations(session: Session, scope: Scope, shown: list[Period]) -> list[list[data.Population]]:
    ats = [min(period.end, clock.today()) for period in shown]
    per_day = data.level2_populations(session=session, ats=ats, province_code=scope.province_code)
    return [[p for p in rows if scope.ward_code is None or p.ward_code == scope.ward_code] for rows in per_day]


def _population(session: Session, scope: Scope, at: date) -> list[data.Population]:
    return _populations(session, scope, [Period("", at, at)])[0]


def _names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        session.execute(
            sa.select(AdministrativeUnit.code, AdministrativeUnit.name).where(AdministrativeUnit.code.in_(codes))
        ).all()
    )


def area_name(*, session: Session, scope: Scope) -> str:
    code = scope.ward_code or scope.province_code
    if code is None:
        return "Toàn quốc"
    unit = session.get(AdministrativeUnit, code)
    return unit.name if unit else code


def province_list(*, session: Session) -> list[tuple[str, str]]:
    return list(
        session.execute(
            sa.select(AdministrativeUnit.code, AdministrativeUnit.name)
            .where(AdministrativeUnit.level == "province")
            .order_by(AdministrativeUnit.code)
        ).all()
    )


def lost_cases(
    *, session: Session, principal: Principal, scope: Scope, indicator: str, kind: str, at: str | None
) -> tuple[Period, list]:
    """The lost points of one indicator in one period: the cases (applications, results, fines), or for level-2
    activation the communes with their eligible citizens still without it. Viewing them is audited."""
    if indicator not in data.BY_KEY:
        raise NotFound("No such indicator.")
    shown = periods(kind)
    period = next((p for p in shown if p.key == at), shown[-1])
    if indicator == data.LEVEL2:
        rows = [p for p in _population(session, scope, period.end) if p.eligible > p.level2]
        names = _names(session, {p.ward_code for p in rows})
        return period, [(p, names.get(p.ward_code, p.ward_code)) for p in rows]
    cases = [
        c
        for c in data.event_cases(session=session, since=period.start, province_code=scope.province_code)
        if c.indicator == indicator
        and not c.ok
        and c.on <= period.end
        and (scope.ward_code is None or c.ward_code == scope.ward_code)
    ]
    cases.sort(key=lambda c: (c.on, c.ref))
    names = _names(session, {c.ward_code for c in cases})
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=sorted({c.citizen_id for c in cases if c.citizen_id is not None}),
        action="read",
        record_type="project06-cases",
        record_ref=f"{indicator}/{period.key}/{scope.ward_code or scope.province_code or 'VN'}",
        purpose=PURPOSE,
    )
    return period, [(c, names.get(c.ward_code, c.ward_code)) for c in cases]


# --- exports --------------------------------------------------------------------------------------------
SUMMARY_HEADER = ("area_code", "area", "period", "indicator", "ok", "total", "rate_percent")
CASES_HEADER = (
    "indicator",
    "reference",
    "kind",
    "province",
    "commune_code",
    "commune",
    "scored_on",
    "due_on",
    "done_on",
    "note",
)


def summary_rows(result: Report) -> list[tuple]:
    rows = []
    label = result.scope.ward_code or result.scope.province_code or "VN"
    for key, rates in result.series.items():
        for period, rate in zip(result.periods, rates, strict=True):
            rows.append((label, "", period.key, key, rate.ok, rate.total, rate.percent))
    chosen = result.periods[-1].key
    for code, name, cells in result.areas:
        for key, rate in cells.items():
            rows.append((code, name, chosen, key, rate.ok, rate.total, rate.percent))
    return rows


def case_rows(indicator: str, cases: list) -> list[tuple]:
    if indicator == data.LEVEL2:
        return [
            (
                indicator,
                p.ward_code,
                "eligible-without-level2",
                p.province_code,
                p.ward_code,
                name,
                "",
                "",
                "",
                f"{p.eligible - p.level2}/{p.eligible}",
            )
            for p, name in cases
        ]
    return [
        (
            c.indicator,
            c.ref,
            c.kind,
            c.province_code,
            c.ward_code,
            name,
            c.on.isoformat(),
            c.due_on.isoformat() if c.due_on else "",
            c.done_on.isoformat() if c.done_on else "",
            c.note,
        )
        for c, name in cases
    ]


def _safe(value):
    """Spreadsheet cells never start a formula (CSV injection): a leading = + - @ is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(header: tuple, rows: list[tuple]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[_safe(v) for v in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 diacritics


def to_xlsx(header: tuple, rows: list[tuple], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
