"""Traffic schemas: the violation catalogue, recording a penalty decision, fines as citizens see them, and
driving licences with their points and suspension. Plate normalisation lives here so every client agrees."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PersonalId

_PLATE = re.compile(r"^[0-9]{2}[A-Z]{1,2}[0-9]?[0-9]{4,5}$")  # ASCII digits only
_PLATE_SEPARATORS = re.compile(r"[\s.\-]")
MITIGATING = (
    "stopped-voluntarily",
    "remedied-consequences",
    "reported-voluntarily",
    "acted-under-duress",
    "limited-capacity",
    "pregnant-elderly-or-disabled",
)
AGGRAVATING = (
    "repeated-offence",
    "organised",
    "continued-after-order-to-stop",
    "obstructed-officer",
    "used-minor",
    "endangered-others",
)


class PlateError(ValueError):
    pass


def normalise_plate(text: str) -> str:
    """Biển số: `30A-123.45` -> `30A12345`; `29-B1 123.45` -> `29B112345`."""
    plate = _PLATE_SEPARATORS.sub("", text).upper()
    if not _PLATE.match(plate):
        raise PlateError(
            "A plate is a 2-digit province code, 1-2 series letters, an optional digit and 4-5 "
            "digits, e.g. 30A-123.45 or 29-B1 123.45."
        )
    return plate


class Plate(fields.String):
    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "30A-123.45")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 20:
            raise ma.ValidationError("A plate is at most 20 characters, separators included.")
        try:
            return normalise_plate(text)
        except PlateError as exc:
            raise ma.ValidationError(str(exc)) from None


class ViolationSchema(BaseSchema):
    code = fields.String()
    vehicle_class = fields.String()
    description_vi = fields.String()
    description_en = fields.String()
    legal_basis = fields.String()
    fine_min = fields.Integer()
    fine_max = fields.Integer()
    points = fields.Integer()
    suspension_months_min = fields.Integer()
    suspension_months_max = fields.Integer()
    effective_from = fields.Date(metadata={"description": "violations committed from this day are decided by it"})


class ViolationCatalogueQuerySchema(BaseSchema):
    vehicle_class = fields.String(load_default=None, validate=validate.OneOf(("car", "motorbike")))


class PenaltyCreateSchema(BaseSchema):
    violation_code = fields.String(required=True, validate=validate.Length(min=1, max=30))
    detected_by = fields.String(load_default="officer", validate=validate.OneOf(("officer", "camera")))
    occurred_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=validate.Length(min=3, max=200))
    ward_code = fields.String(required=True, validate=validate.Regexp(r"^\d{5}$"))
    plate = Plate(load_default=None)
    driver_personal_id = PersonalId(load_default=None)
    licence_number = fields.String(load_default=None, validate=validate.Regexp(r"^\d{12}$"))
    fine_amount = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1))
    mitigating = fields.List(
        fields.String(validate=validate.OneOf(MITIGATING)),
        load_default=list,
        validate=validate.Length(max=len(MITIGATING)),
    )
    aggravating = fields.List(
        fields.String(validate=validate.OneOf(AGGRAVATING)),
        load_default=list,
        validate=validate.Length(max=len(AGGRAVATING)),
    )
    suspension_months = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1, max=24))

    @ma.validates_schema
    def _someone_liable(self, data, **kwargs):
        if data["detected_by"] == "camera":
            if not data.get("plate"):
                raise ma.ValidationError({"plate": ["A camera-detected violation is recorded against a plate."]})
            if data.get("driver_personal_id") or data.get("licence_number"):
                raise ma.ValidationError({"driver_personal_id": ["A camera does not identify the driver."]})
        elif not (data.get("plate") or data.get("driver_personal_id") or data.get("licence_number")):
            raise ma.ValidationError({"plate": ["Give the plate, the driver or the licence."]})
        if len(set(data["mitigating"])) != len(data["mitigating"]) or len(set(data["aggravating"])) != len(
            data["aggravating"]
        ):
            raise ma.ValidationError({"mitigating": ["Each circumstance is listed once."]})


class PenaltyCancelSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(min=5, max=200))


class TrafficOnDateQuerySchema(BaseSchema):
    on = fields.Date(
        load_default=None, metadata={"description": "Compute amounts and status on this day (default: today)"}
    )


class LicenceLookupQuerySchema(TrafficOnDateQuerySchema):
    purpose = fields.String(required=True, validate=validate.Length(min=3, max=200))


class AmountDueSchema(BaseSchema):
    on = fields.Date()
    fine = fields.Integer()
    days_late = fields.Integer()
    surcharge = fields.Integer()
    total = fields.Integer()


class PenaltySchema(BaseSchema):
    number = fields.String()
    violation_code = fields.String()
    description_vi = fields.String()
    description_en = fields.String()
    legal_basis = fields.String()
    detected_by = fields.String()
    occurred_at = fields.DateTime()
    place = fields.String()
    plate = fields.String(allow_none=True)
    fine_amount = fields.Integer()
    points_deducted = fields.Integer()
    suspension_months = fields.Integer()
    suspension_starts_on = fields.Date(allow_none=True)
    suspension_ends_on = fields.Date(allow_none=True)
    decided_at = fields.DateTime()
    payment_deadline = fields.Date()
    status = fields.String()
    paid_at = fields.DateTime(allow_none=True)
    paid_amount = fields.Integer(allow_none=True)
    amount_due = fields.Nested(AmountDueSchema, allow_none=True)


class LicenceSchema(BaseSchema):
    number = fields.String()
    licence_class = fields.String()
    holder_name = fields.String()
    on = fields.Date()
    status = fields.String(metadata={"description": "valid | suspended | no-points | expired | revoked"})
    points = fields.Integer()
    suspended_from = fields.Date(allow_none=True)
    suspended_until = fields.Date(allow_none=True, metadata={"description": "valid again on this day"})
    expires_on = fields.Date(allow_none=True)
    retest_from = fields.Date(
        allow_none=True,
        metadata={"description": "at 0 points: earliest day of the theory re-test (6 months after reaching 0)"},
    )


class LicenceRetestSchema(BaseSchema):
    passed_on = fields.Date(required=True, metadata={"description": "the day the holder passed the re-test"})
