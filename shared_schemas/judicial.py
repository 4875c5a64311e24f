"""Criminal-record certificate schemas: conviction records, certificate requests, the officers' queue and the
compiled certificate."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PastDate, PersonalId

CRIME_CATEGORIES = ("less-serious", "serious", "very-serious", "especially-serious")  # Penal Code Art. 9
PRINCIPAL_PENALTIES = (
    "warning",
    "fine",
    "non-custodial-reform",
    "suspended-sentence",
    "imprisonment",
    "life-imprisonment",
    "death-commuted",
)
FEE_CATEGORIES = (
    "standard",
    "student",
    "meritorious-service",
    "fallen-soldier-relative",
    "child",
    "elderly",
    "disability",
    "poor-household",
    "exceptional-difficulty-commune",
)


def _text(maximum: int, **kwargs):
    return fields.String(validate=validate.Length(min=1, max=maximum), **kwargs)


class ConvictionCreateSchema(BaseSchema):
    personal_id = PersonalId(required=True)
    judgment_number = _text(40, required=True)
    judgment_date = PastDate(required=True)
    court = _text(150, required=True)
    offence = _text(200, required=True)
    penal_code_article = _text(40, required=True)
    offence_date = PastDate(required=True)
    crime_category = fields.String(
        required=True,
        validate=validate.OneOf(CRIME_CATEGORIES),
        metadata={"description": "the crime's category in the judgment (Penal Code Art. 9)"},
    )
    through_negligence = fields.Boolean(
        load_default=False, metadata={"description": "committed through negligence (lỗi vô ý, Art. 11)"}
    )
    principal_penalty = fields.String(required=True, validate=validate.OneOf(PRINCIPAL_PENALTIES))
    imprisonment_months = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1, max=360))
    probation_months = fields.Integer(
        load_default=None,
        strict=True,
        validate=validate.Range(min=12, max=60),
        metadata={"description": "a suspended sentence's probation term, 1 to 5 years (Art. 65)"},
    )
    additional_penalties = _text(300, load_default=None)
    ban = _text(200, load_default=None)
    principal_completed_on = PastDate(load_default=None)
    additional_completed_on = fields.Date(load_default=None)
    exempted = fields.Boolean(load_default=False)
    court_expunged_on = PastDate(
        load_default=None, metadata={"description": "the day a court decided expungement (Art. 71)"}
    )

    @ma.validates_schema
    def _consistent(self, data, **kwargs):
        if (data["principal_penalty"] == "imprisonment") != (data["imprisonment_months"] is not None):
            raise ma.ValidationError({"imprisonment_months": ["Give the term for imprisonment, and only for it."]})
        if (data["principal_penalty"] == "suspended-sentence") != (data["probation_months"] is not None):
            raise ma.ValidationError(
                {"probation_months": ["Give the probation term of a suspended sentence, and only for it."]}
            )
        done = data["principal_completed_on"]
        if done is not None and done < data["judgment_date"] and data["principal_penalty"] != "imprisonment":
            raise ma.ValidationError({"principal_completed_on": ["Completed before the judgment."]})


class ConvictionSchema(BaseSchema):
    id = fields.Integer()
    judgment_number = fields.String()
    judgment_date = fields.Date()
    court = fields.String()
    offence = fields.String()
    penal_code_article = fields.String()
    offence_date = fields.Date()
    crime_category = fields.String(allow_none=True)
    through_negligence = fields.Boolean()
    principal_penalty = fields.String()
    imprisonment_months = fields.Integer(allow_none=True)
    probation_months = fields.Integer(allow_none=True)
    court_expunged_on = fields.Date(allow_none=True)
    additional_penalties = fields.String(allow_none=True)
    ban = fields.String(allow_none=True)
    principal_completed_on = fields.Date(allow_none=True)
    additional_completed_on = fields.Date(allow_none=True)
    exempted = fields.Boolean()


class CertificateRequestCreateSchema(BaseSchema):
    certificate_type = fields.Integer(required=True, strict=True, validate=validate.OneOf((1, 2)))
    purpose = fields.String(required=True, validate=validate.Length(min=3, max=200))
    copies = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=20))
    delivery = fields.String(load_default="electronic", validate=validate.OneOf(("electronic", "post")))
    postal_address = fields.String(load_default=None, validate=validate.Length(min=10, max=300))
    include_bans = fields.Boolean(
        load_default=False,
        metadata={"description": "No. 1 only: also state bans on holding posts or founding/managing enterprises"},
    )
    fee_category = fields.String(load_default="standard", validate=validate.OneOf(FEE_CATEGORIES))
    lived_in_several_provinces = fields.Boolean(load_default=False)

    @ma.validates_schema
    def _consistent(self, data, **kwargs):
        if (data["delivery"] == "post") != bool(data["postal_address"]):
            raise ma.ValidationError(
                {"postal_address": ["A postal address is given for delivery by post, and only then."]}
            )
        if data["include_bans"] and data["certificate_type"] != 1:
            raise ma.ValidationError({"include_bans": ["Certificate No. 2 always states every ban."]})


class CertificateRequestSchema(BaseSchema):
    number = fields.String()
    certificate_type = fields.Integer()
    purpose = fields.String()
    copies = fields.Integer()
    delivery = fields.String()
    postal_address = fields.String(allow_none=True)
    include_bans = fields.Boolean()
    fee_category = fields.String()
    fee_amount = fields.Integer()
    fee_claim_status = fields.String(
        allow_none=True,
        metadata={
            "description": "verified (registry fact) | claimed (an officer checks the evidence; the "
            "standard fee applies until accepted) | accepted | refused"
        },
    )
    status = fields.String()
    requested_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    due_on = fields.Date(allow_none=True)
    issued_at = fields.DateTime(allow_none=True)
    document_id = fields.String(allow_none=True)


class CertificateQueueEntrySchema(CertificateRequestSchema):
    subject_name = fields.String()
    overdue = fields.Boolean()


class CertificateEntrySchema(BaseSchema):
    conviction = fields.Nested(ConvictionSchema)
    expunged = fields.Boolean()
    expunged_on = fields.Date(allow_none=True)
    treated_as_no_record = fields.Boolean()
    court_must_decide = fields.String(
        allow_none=True, metadata={"description": "Penal Code chapter only a court expunges (Art. 70(1), 71)"}
    )


class FeeClaimDecisionSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("accept", "refuse")))
    evidence = fields.String(
        required=True,
        validate=validate.Length(min=5, max=300),
        metadata={"description": "what the officer checked (document, registry record, certificate number)"},
    )


class CertificateCompilationSchema(BaseSchema):
    request = fields.Nested(CertificateRequestSchema)
    subject_name = fields.String()
    on = fields.Date()
    has_criminal_record = fields.Boolean()
    entries = fields.List(fields.Nested(CertificateEntrySchema))
