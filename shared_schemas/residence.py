"""Residence schemas: temporary-residence applications, decisions, accommodation notices, confirmations."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PageQuerySchema, PersonalId, PersonName
from shared_schemas.registry import PURPOSE, AddressSchema

LEGAL_BASES = ("owner", "tenancy", "lending", "relative")
CLOSE_RELATIVES = ("grandparent", "parent", "spouse", "child", "grandchild", "sibling")
WARD_CODE = fields.String(required=True, validate=validate.Regexp(r"^\d{5}$", error="A ward code has 5 digits."))


class StrictBoolean(fields.Boolean):
    """JSON true/false only: 0, 1, "yes" are refused rather than guessed."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ma.ValidationError("Not a valid boolean (use true or false).")
        return value


def _street(**kwargs):
    return fields.String(validate=validate.Length(min=2, max=200), **kwargs)


class ApplicationCreateSchema(BaseSchema):
    ward_code = WARD_CODE
    street = _street(required=True, metadata={"example": "Số 12 Ngõ 4 Phố Huế"})
    legal_basis = fields.String(
        required=True,
        validate=validate.OneOf(LEGAL_BASES),
        metadata={"description": "owner, tenancy (thuê), lending (mượn, ở nhờ), relative"},
    )
    owner_personal_id = PersonalId(
        metadata={"description": "The owner or head of household who must consent; omit when you are the owner"}
    )
    guardian_personal_id = PersonalId(
        metadata={"description": "An applicant under 18: the parent who must consent (Luật Cư trú Art. 28(1)(a))"}
    )
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True, metadata={"description": "At most two years after start_date"})
    member_personal_ids = fields.List(
        PersonalId(),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Household members registering too"},
    )


class ExtensionCreateSchema(BaseSchema):
    end_date = fields.Date(required=True)
    reason = fields.String(load_default="Gia hạn tạm trú", validate=validate.Length(min=2, max=200))


class DeregistrationSchema(BaseSchema):
    reason = fields.String(load_default="requested", validate=validate.OneOf(["requested", "moved"]))


class OwnerConsentSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["consent", "refuse"]))
    note = fields.String(validate=validate.Length(max=500))


class ResidenceDecisionSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject", "request_information"]))
    reason = fields.String(validate=validate.Length(min=5, max=1000))

    @ma.validates_schema
    def _reason_when_not_approving(self, data, **_kwargs):
        if data.get("decision") in ("reject", "request_information") and not data.get("reason"):
            raise ma.ValidationError("Give the reason (it is sent to the applicant).", field_name="reason")


class ResubmitSchema(BaseSchema):
    note = fields.String(validate=validate.Length(max=1000))


class ResidenceAttachmentUploadSchema(BaseSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ResidencePersonSchema(BaseSchema):
    personal_id = fields.String()
    full_name = fields.String(
        allow_none=True,
        metadata={"description": "Not shown to the applicant for the owner they named (only the ID they typed)"},
    )


class ApplicationEventSchema(BaseSchema):
    occurred_at = fields.DateTime()
    status = fields.String()
    note = fields.String(allow_none=True)


class ResidenceAttachmentSchema(BaseSchema):
    id = fields.Integer()
    filename = fields.String()
    media_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()


class ApplicationSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    applicant = fields.Nested(ResidencePersonSchema)
    owner = fields.Nested(ResidencePersonSchema, allow_none=True)
    address = fields.Nested(AddressSchema)
    legal_basis = fields.String()
    reason = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    submitted_at = fields.DateTime()
    owner_consent_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    due_on = fields.Date(allow_none=True, metadata={"description": "Deadline: 3 working days after receipt"})
    overdue = fields.Boolean()
    decided_at = fields.DateTime(allow_none=True)
    members = fields.List(fields.Nested(ResidencePersonSchema))
    events = fields.List(fields.Nested(ApplicationEventSchema))
    attachments = fields.List(fields.Nested(ResidenceAttachmentSchema))
    approval_document_id = fields.String(allow_none=True)


class WorkQueueItemSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    applicant = fields.Nested(ResidencePersonSchema)
    address = fields.String()
    received_at = fields.DateTime()
    due_on = fields.Date()
    working_days_left = fields.Integer()
    overdue = fields.Boolean()


class TemporaryResidenceSchema(BaseSchema):
    address = fields.Nested(AddressSchema)
    start_date = fields.Date()
    end_date = fields.Date()
    status = fields.String()
    ended_on = fields.Date(allow_none=True)
    ended_reason = fields.String(allow_none=True)


class ApplicantResidenceSchema(BaseSchema):
    personal_id = fields.String()
    full_name = fields.String()
    date_of_birth = fields.Date()
    permanent_address = fields.Nested(AddressSchema)
    temporary_address = fields.Nested(AddressSchema, allow_none=True)
    temporary_until = fields.Date(allow_none=True)
    temporary_residences = fields.List(fields.Nested(TemporaryResidenceSchema))


class ConfirmationRequestSchema(BaseSchema):
    include_history = StrictBoolean(load_default=False)


class GuestSchema(BaseSchema):
    personal_id = PersonalId(required=True)
    full_name = PersonName(required=True)
    relationship = fields.String(
        validate=validate.OneOf(CLOSE_RELATIVES),
        metadata={"description": "Close relatives: one notice for a longer stay"},
    )
    arrival_at = fields.AwareDateTime(required=True, metadata={"example": "2026-11-22T20:30:00+07:00"})
    departure_on = fields.Date(required=True)


class NoticeCreateSchema(BaseSchema):
    establishment_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={
            "description": "A registered establishment (hotel, guesthouse, homestay) you operate; its address is "
            "used. Omit when notifying a guest at your own home"
        },
    )
    ward_code = fields.String(
        validate=validate.Regexp(r"^\d{5}$"), metadata={"description": "Your home's ward (without establishment_id)"}
    )
    street = _street(required=False)
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))
    guests = fields.List(fields.Nested(GuestSchema), required=True, validate=validate.Length(min=1, max=200))


class NoticeSchema(BaseSchema):
    id = fields.Integer()
    batch_ref = fields.String()
    establishment_id = fields.Integer(allow_none=True)
    establishment_name = fields.String(allow_none=True)
    ward_code = fields.String()
    street = fields.String()
    guest_personal_id = fields.String()
    guest_name = fields.String()
    guest_relationship = fields.String(allow_none=True)
    reason = fields.String()
    arrival_at = fields.DateTime()
    departure_on = fields.Date()
    deadline_at = fields.DateTime()
    submitted_at = fields.DateTime()
    late = fields.Boolean()


class EstablishmentCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=150))
    licence_number = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9A-Za-z][0-9A-Za-z./-]{3,39}$", error="4-40 letters, digits, '.', '/' or '-'."),
        metadata={"description": "Business registration or licence number"},
    )
    ward_code = WARD_CODE
    street = _street(required=True)
    operator_personal_id = PersonalId(
        required=True, metadata={"description": "The citizen (level-2 account) who operates it and sends its notices"}
    )


class EstablishmentSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    licence_number = fields.String()
    ward_code = fields.String()
    street = fields.String()
    active = fields.Boolean()


class NoticeQuerySchema(PageQuerySchema):
    ward_code = fields.String(validate=validate.Regexp(r"^\d{5}$"))
    arrival_on = fields.Date()
    purpose = PURPOSE


class ApplicantLookupQuerySchema(BaseSchema):
    purpose = PURPOSE
