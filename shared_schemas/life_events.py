"""Life events on the wire: hospital notifications, the linked birth and death applications, steps and their
decisions, the citizen's timeline, death-registration revocation."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PersonalId, PersonName, sex_field

DECIDE_TEXT = validate.Length(min=5, max=300)


class BirthCertificateCreateSchema(BaseSchema):
    mother_personal_id = PersonalId(required=True)
    child_sex = sex_field(required=True)
    born_at = fields.AwareDateTime(required=True, metadata={"example": "2026-11-20T08:15:00+07:00"})
    place = fields.String(validate=validate.Length(min=2, max=200))
    weight_grams = fields.Integer(required=True, validate=validate.Range(300, 7000))


class DeathNoticeCreateSchema(BaseSchema):
    deceased_personal_id = PersonalId(required=True)
    informant_personal_id = PersonalId(required=True, metadata={"description": "The relative who receives it"})
    died_at = fields.AwareDateTime(required=True)
    place = fields.String(validate=validate.Length(min=2, max=200))
    cause = fields.String(validate=validate.Length(min=2, max=200))


class HospitalNotificationSchema(BaseSchema):
    ref = fields.String(attribute="public_id")
    kind = fields.String()
    event_at = fields.AwareDateTime()
    place = fields.String()
    document_id = fields.String()
    issued_at = fields.AwareDateTime()


class BirthApplicationSchema(BaseSchema):
    certificate_ref = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{16}$"))
    child_full_name = PersonName(required=True)
    father_personal_id = PersonalId(load_default=None)
    ethnicity = fields.String(load_default="Kinh", validate=validate.Length(min=2, max=30))
    nationality = fields.String(load_default="Việt Nam", validate=validate.Length(min=2, max=30))
    place_of_origin = fields.String(required=True, validate=validate.Length(min=2, max=200))
    household_of = fields.String(
        required=True,
        validate=validate.OneOf(["mother", "father"]),
        metadata={"description": "Whose household the child joins (permanent residence)"},
    )


class DeathApplicationSchema(BaseSchema):
    certificate_ref = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{16}$"))
    relationship = fields.String(required=True, validate=validate.Length(min=2, max=30), metadata={"example": "Con"})


class PermanentResidenceApplicationSchema(BaseSchema):
    household_number = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9]{4,20}$"))
    relation = fields.String(
        required=True,
        validate=validate.Length(min=2, max=30),
        metadata={"description": "Relation to the head of household", "example": "Con"},
    )
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))


class HouseholdConsentSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["consent", "refuse"]))
    note = fields.String(validate=validate.Length(max=300))


class StepDecisionSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "refuse"]))
    reason = fields.String(validate=DECIDE_TEXT, metadata={"description": "Why (required to refuse)"})
    action = fields.String(validate=DECIDE_TEXT, metadata={"description": "What the citizen can do (to refuse)"})


class RevocationSchema(BaseSchema):
    reason = fields.String(required=True, validate=DECIDE_TEXT)


class ApplicationStepSchema(BaseSchema):
    """One step as the citizen's timeline shows it."""

    id = fields.Integer()
    step = fields.String()
    agency = fields.String()
    ward_code = fields.String()
    status = fields.String()
    ready_at = fields.AwareDateTime(allow_none=True)
    due_on = fields.Date(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    refusal_reason = fields.String(allow_none=True)
    refusal_action = fields.String(allow_none=True)
    result_ref = fields.String(allow_none=True)
    document_id = fields.String(allow_none=True)


class StepSchema(ApplicationStepSchema):
    """A step in an officer's work queue, with the application it belongs to."""

    application_ref = fields.Function(lambda step: step.application.public_id)
    kind = fields.Function(lambda step: step.application.kind)


class TimelineEventSchema(BaseSchema):
    step = fields.String(allow_none=True)
    status = fields.String()
    occurred_at = fields.AwareDateTime()
    note = fields.String(allow_none=True)


class LifeEventApplicationSchema(BaseSchema):
    ref = fields.String(attribute="public_id")
    kind = fields.String()
    status = fields.String()
    late = fields.Boolean(metadata={"description": "Declared after the legal deadline (accepted, flagged)"})
    submitted_at = fields.AwareDateTime()
    completed_at = fields.AwareDateTime(allow_none=True)
    steps = fields.List(fields.Nested(ApplicationStepSchema))
    timeline = fields.List(fields.Nested(TimelineEventSchema), attribute="events")


class DeathRegistrationSchema(BaseSchema):
    id = fields.Integer()
    status = fields.String()
    died_on = fields.Date()
    registered_on = fields.Date()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)
