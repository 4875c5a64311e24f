"""The Project 06 dashboard for province leaders (officers whose scope is a province) and national leaders
(administrators): the five indicators per week or month with trend charts, per province or commune, a drill-down
from every lost point to the cases behind it, and CSV/XLSX exports. The figures are indicators_report's."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from marshmallow import Schema, ValidationError, fields, validate

from backend.auth.console import CONSOLE, register_console, signed_in
from backend.consoles import indicators_data as data
from backend.consoles import indicators_report as figures
from backend.consoles.indicators_chart import trend
from backend.core import clock
from backend.core.access import ADMIN, OFFICER
from backend.errors import DomainError
from backend.extensions import db

bp = Blueprint("indicators_console", __name__, url_prefix="/console/indicators", template_folder="templates")
register_console("indicators_console.dashboard", (OFFICER, ADMIN), "Chỉ số Đề án 06", "Project 06 indicators")

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class DashboardQuery(Schema):
    """The dashboard's query string: unknown parameters are ignored (links keep working), known ones checked."""

    period = fields.String(load_default="month", validate=validate.OneOf(tuple(figures.PERIODS)))
    at = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}-(W\d{2}|\d{2})$"))
    province = fields.String(load_default=None, validate=validate.Regexp(r"^\d{2}$"))
    ward = fields.String(load_default=None, validate=validate.Regexp(r"^\d{5}$"))

    class Meta:
        unknown = "exclude"


def _query() -> dict:
    try:
        return DashboardQuery().load({k: v for k, v in request.args.items() if v})
    except ValidationError as invalid:
        abort(400, "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in invalid.messages.items()))


def _scope(query: dict) -> figures.Scope:
    return figures.scope_for(
        session=db.session, principal=CONSOLE.principal(), province=query["province"], ward=query["ward"]
    )


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(DomainError)
def _refused(error: DomainError):
    return render_template("consoles/hospital/error.html", status=error.status, detail=error.detail), error.status


@bp.route("/")
@signed_in(OFFICER, ADMIN)
def dashboard():
    query = _query()
    scope = _scope(query)
    result = figures.report(session=db.session, scope=scope, kind=query["period"], at=query["at"])
    keys = [p.key for p in result.periods]
    charts = {d.key: trend(keys, [rate.percent for rate in result.series[d.key]]) for d in data.DEFINITIONS}
    return render_template(
        "consoles/indicators/dashboard.html",
        query=query,
        scope=scope,
        result=result,
        chosen=next((p for p in result.periods if p.key == query["at"]), result.periods[-1]),
        definitions=data.DEFINITIONS,
        charts=charts,
        area_name=figures.area_name(session=db.session, scope=scope),
        provinces=figures.province_list(session=db.session) if scope.own_province is None else [],
        today=clock.today(),
    )


@bp.route("/<string:indicator>/lost")
@signed_in(OFFICER, ADMIN)
def lost(indicator: str):
    query = _query()
    scope = _scope(query)
    period, cases = figures.lost_cases(
        session=db.session,
        principal=CONSOLE.principal(),
        scope=scope,
        indicator=indicator,
        kind=query["period"],
        at=query["at"],
    )
    return render_template(
        "consoles/indicators/lost.html",
        query=query,
        scope=scope,
        definition=data.BY_KEY[indicator],
        period=period,
        cases=cases,
        level2=indicator == data.LEVEL2,
        area_name=figures.area_name(session=db.session, scope=scope),
    )


@bp.route("/export.<any(csv, xlsx):fmt>")
@signed_in(OFFICER, ADMIN)
def export(fmt: str):
    query = _query()
    result = figures.report(session=db.session, scope=_scope(query), kind=query["period"], at=query["at"])
    rows = figures.summary_rows(result)
    return _download(fmt, figures.SUMMARY_HEADER, rows, f"de-an-06-{query['period']}")


@bp.route("/<string:indicator>/lost.<any(csv, xlsx):fmt>")
@signed_in(OFFICER, ADMIN)
def export_lost(indicator: str, fmt: str):
    query = _query()
    period, cases = figures.lost_cases(
        session=db.session,
        principal=CONSOLE.principal(),
        scope=_scope(query),
        indicator=indicator,
        kind=query["period"],
        at=query["at"],
    )
    return _download(fmt, figures.CASES_HEADER, figures.case_rows(indicator, cases), f"{indicator}-{period.key}")


def _download(fmt: str, header: tuple, rows: list[tuple], name: str) -> Response:
    body = figures.to_csv(header, rows) if fmt == "csv" else figures.to_xlsx(header, rows, name)
    return Response(
        body,
        mimetype=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "X-Content-Type-Options": "nosniff"},
    )
