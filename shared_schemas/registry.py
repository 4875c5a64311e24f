"""Population-registry schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PastDate, PersonalId, PersonName, sex_field

PURPOSE = fields.String(
    required=True,
    validate=validate.Length(min=5, max=200),
    metadata={
        "description": "Why the data is needed; recorded in the citizen's audit trail",
        "example": "residence application review",
    },
)


_JSON_SCALARS = (str, int, float, bool, type(None))


class RenderedRows(fields.List):
    """A list of `schema` objects: documented and loaded as `List(Nested(schema))`. A row the server already holds
    in wire form - a dict of JSON scalars (the registry renders these rows in SQL, dates as ISO text:
    backend/registry/records.py) - is dumped as it is, less any key the schema does not declare; any other row goes
    through the nested schema. Dumping the rendered rows again took two thirds of the own record's serialisation."""

    def __init__(self, schema: type[BaseSchema], **kwargs) -> None:
        super().__init__(fields.Nested(schema), **kwargs)
        self._wire_keys = frozenset(name for name, field in schema._declared_fields.items() if not field.load_only)

    def _row(self, row, attr, obj, **kwargs):
        if type(row) is dict and all(isinstance(value, _JSON_SCALARS) for value in row.values()):
            if row.keys() == self._wire_keys:
                return row
            return {key: value for key, value in row.items() if key in self._wire_keys}  # never an extra field
        return self.inner._serialize(row, attr, obj, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return [self._row(row, attr, obj, **kwargs) for row in value]


class AddressSchema(BaseSchema):
    ward_code = fields.String()
    street = fields.String()
    ward_name = fields.String()
    district_name = fields.String(allow_none=True)
    province_name = fields.String()
    full_text = fields.String()


class VehicleSchema(BaseSchema):
    plate = fields.String()
    kind = fields.String()
    brand = fields.String()
    registered_on = fields.Date()


class DrivingLicenceSchema(BaseSchema):
    number = fields.String()
    licence_class = fields.String()
    issued_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    status = fields.String()
    points = fields.Integer()


class HealthInsuranceCardSchema(BaseSchema):
    card_number = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date()
    benefit_level = fields.Integer()
    primary_care_facility_code = fields.String()
    primary_care_facility_name = fields.String()


class HouseholdMemberSchema(BaseSchema):
    full_name = fields.String()
    relation_to_head = fields.String(allow_none=True)
    date_of_birth = fields.Date()


class HouseholdSchema(BaseSchema):
    household_number = fields.String()
    members = RenderedRows(HouseholdMemberSchema)


class CitizenSummarySchema(BaseSchema):
    personal_id = fields.String()
    full_name = fields.String()
    date_of_birth = fields.Date()
    sex = fields.String()


class CitizenSchema(CitizenSummarySchema):
    old_id_number = fields.String(allow_none=True)
    ethnicity = fields.String()
    religion = fields.String(allow_none=True)
    nationality = fields.String()
    place_of_origin = fields.String(allow_none=True)
    permanent_address = fields.Nested(AddressSchema)
    temporary_address = fields.Nested(AddressSchema, allow_none=True)
    temporary_until = fields.Date(allow_none=True)
    relation_to_head = fields.String(allow_none=True)
    household = fields.Nested(HouseholdSchema, allow_none=True)
    deceased_on = fields.Date(allow_none=True)
    vehicles = RenderedRows(VehicleSchema)
    driving_licences = RenderedRows(DrivingLicenceSchema)
    health_insurance_cards = RenderedRows(HealthInsuranceCardSchema)


class CitizenCreateSchema(BaseSchema):
    personal_id = PersonalId(required=True)
    full_name = PersonName(required=True)
    date_of_birth = PastDate(required=True)
    sex = sex_field(required=True)
    ethnicity = fields.String(validate=validate.Length(max=30))
    religion = fields.String(validate=validate.Length(max=40))
    nationality = fields.String(validate=validate.Length(max=30))
    place_of_origin = fields.String(validate=validate.Length(max=200))
    permanent_ward_code = fields.String(required=True, validate=validate.Regexp(r"^\d{5}$"))
    permanent_street = fields.String(required=True, validate=validate.Length(min=2, max=200))
    purpose = PURPOSE


class PurposeQuerySchema(BaseSchema):
    purpose = PURPOSE


class CitizenSearchQuerySchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=3, max=100))
    date_of_birth = PastDate()
    purpose = PURPOSE


class AdministrativeUnitSchema(BaseSchema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)


class UnitQuerySchema(BaseSchema):
    parent_code = fields.String(validate=validate.Regexp(r"^\d{2,5}$"))
