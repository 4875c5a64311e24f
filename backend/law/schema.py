"""The shape of a legal-parameter file (shipped in data/ or loaded by an administrator), checked with
marshmallow, and the checks each parameter's value must pass before the law applies it."""

from __future__ import annotations

import re
from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from shared_schemas.base import BaseSchema

NAME_RE = r"^[a-z]+(\.[a-z0-9_]+)+$"
CALENDAR_RE = re.compile(r"^calendar\.(\d{4})$")


class VersionSchema(BaseSchema):
    effective_from = fields.Date(required=True)
    value = fields.Raw(required=True, allow_none=False)
    source = fields.String(required=True, validate=validate.Length(min=8, max=500))


class ParameterSchema(BaseSchema):
    description = fields.String(required=True, validate=validate.Length(min=3, max=500))
    versions = fields.List(fields.Nested(VersionSchema), required=True, validate=validate.Length(min=1, max=50))


class LawFileSchema(BaseSchema):
    parameters = fields.Dict(
        keys=fields.String(validate=validate.Regexp(NAME_RE)),
        values=fields.Nested(ParameterSchema),
        required=True,
        validate=validate.Length(min=1, max=200),
    )

    @ma.validates_schema
    def _values_make_sense(self, data, **_kwargs):
        errors = {}
        for name, parameter in data["parameters"].items():
            for index, version in enumerate(parameter["versions"]):
                try:
                    check_value(name, version["effective_from"], version["value"])
                except ma.ValidationError as exc:
                    errors.setdefault(name, {})[index] = exc.messages
        if errors:
            raise ma.ValidationError({"parameters": errors})


def _int(value, low: int, high: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ma.ValidationError(f"{what} must be a whole number from {low} to {high}.")


def _fraction(value, what: str) -> None:
    if not (isinstance(value, list) and len(value) == 2):
        raise ma.ValidationError(f"{what} must be [numerator, denominator].")
    _int(value[0], 0, 10**9, what)
    _int(value[1], 1, 10**9, what)
    if value[0] > value[1]:
        raise ma.ValidationError(f"{what} must not exceed 1.")


def _keys(value, expected: set[str], what: str) -> None:
    if not isinstance(value, dict) or set(value) != expected:
        raise ma.ValidationError(f"{what} must have exactly the keys {sorted(expected)}.")


def _calendar(year: int, effective_from: date, value) -> None:
    _keys(value, {"days_off", "working_days"}, "a calendar")
    if effective_from != date(year, 1, 1):
        raise ma.ValidationError(f"calendar.{year} takes effect on {year}-01-01.")
    for kind in ("days_off", "working_days"):
        for entry in value[kind]:
            _keys(entry, {"date", "name", "source"}, f"each of {kind}")
            day = date.fromisoformat(str(entry["date"]))
            if day.year != year:
                raise ma.ValidationError(f"{entry['date']} is not in {year}.")
            if kind == "working_days" and day.weekday() != 5:
                raise ma.ValidationError(f"{entry['date']}: only a Saturday can be worked in lieu.")
            if not (isinstance(entry["source"], str) and len(entry["source"]) >= 8):
                raise ma.ValidationError(f"{entry['date']}: name its legal source.")


def _penalty_bands(value, what: str) -> None:
    bands = {"non-custodial", "prison-up-to-5y", "prison-5y-15y", "prison-over-15y"}
    _keys(value, bands, what)
    for band in bands:
        _int(value[band], 1, 120, f"{what} {band}")


def _self_referred(value) -> None:
    _keys(value, {"district", "provincial", "central"}, "the self-referral table")
    for level, visits in value.items():
        _keys(visits, {"outpatient", "inpatient"}, level)
        for visit, share in visits.items():
            _fraction(share, f"{level}/{visit}")


def _fees(value) -> None:
    _keys(value, {"standard", "reduced", "extra_copy"}, "the fee table")
    for key, amount in value.items():
        _int(amount, 0, 10_000_000, key)


def _points(value) -> None:
    _keys(value, {"full", "restore_after_months", "retest_after_months"}, "the points rule")
    for key, amount in value.items():
        _int(amount, 1, 120, key)


def _chapters(value) -> None:
    if not isinstance(value, dict) or not all(isinstance(k, str) and re.fullmatch("[IVXL]+", k) for k in value):
        raise ma.ValidationError("Roman chapter numbers -> [first article, last article]")
    for chapter, articles in value.items():
        if not (isinstance(articles, list) and len(articles) == 2):
            raise ma.ValidationError(f"chapter {chapter}: [first article, last article]")
        _int(articles[0], 1, 999, "first article")
        _int(articles[1], articles[0], 999, "last article")


def _benefit_levels(value) -> None:
    _keys(value, {"1", "2", "3", "4", "5"}, "the benefit levels")
    for key, percent in value.items():
        _int(percent, 0, 100, key)


def _burial(value) -> None:
    _keys(value, {"social_insurance", "merit", "social_protection"}, "the burial allowance")
    for regime, rule in value.items():
        _keys(rule, {"base", "multiple"}, regime)
        if rule["base"] not in ("base_salary", "social_assistance_standard"):
            raise ma.ValidationError(f"{regime}: base is base_salary or social_assistance_standard.")
        _int(rule["multiple"], 1, 100, f"{regime} multiple")


# Permanent residence has its own parameter (residence.permanent_processing_working_days).
STEP_NAMES = {
    "birth_registration",
    "health_insurance",
    "death_registration",
    "residence_deregistration",
    "burial_allowance",
}


def _step_days(value) -> None:
    _keys(value, STEP_NAMES, "the step deadlines")
    for step, days in value.items():
        _int(days, 0, 60, step)


CHECKS = {
    "traffic.payment_days": lambda v: _int(v, 1, 365, "payment days"),
    "traffic.late_surcharge_per_day": lambda v: _fraction(v, "the surcharge rate"),
    "traffic.licence_points": _points,
    "judicial.certificate_fees": _fees,
    "judicial.expungement_waiting": lambda v: (
        _keys(v, {"adult", "juvenile"}, "the waiting periods"),
        _penalty_bands(v["adult"], "adult"),
        _penalty_bands(v["juvenile"], "juvenile"),
    ),
    "judicial.never_automatic_chapters": _chapters,
    "judicial.processing_days": lambda v: (
        _keys(v, {"standard", "verification"}, "processing days"),
        _int(v["standard"], 1, 90, "standard"),
        _int(v["verification"], 1, 90, "verification"),
    ),
    "residence.processing_working_days": lambda v: _int(v, 1, 60, "working days"),
    "residence.extension_window_days": lambda v: _int(v, 1, 365, "days"),
    "civil.birth_registration_days": lambda v: _int(v, 1, 365, "days"),
    "civil.death_registration_days": lambda v: _int(v, 1, 365, "days"),
    "residence.permanent_processing_working_days": lambda v: _int(v, 1, 60, "working days"),
    "linked.step_working_days": _step_days,
    "welfare.social_assistance_standard": lambda v: _int(v, 10_000, 100_000_000, "the standard"),
    "welfare.burial_allowance": _burial,
    "health.base_salary": lambda v: _int(v, 100_000, 100_000_000, "the base salary"),
    "health.low_cost_share_percent": lambda v: _int(v, 0, 100, "the share"),
    "health.benefit_levels": _benefit_levels,
    "health.self_referred_share": _self_referred,
}


def check_value(name: str, effective_from: date, value) -> None:
    """Refuse a parameter the rules do not know, or a value they could not apply."""
    calendar = CALENDAR_RE.match(name)
    if calendar:
        try:
            _calendar(int(calendar.group(1)), effective_from, value)
        except (TypeError, ValueError) as exc:
            raise ma.ValidationError(str(exc)) from exc
        return
    if name not in CHECKS:
        raise ma.ValidationError(f"No rule uses a parameter called {name}.")
    CHECKS[name](value)
