"""Hospital check-in schemas: hospitals and departments, kiosk check-ins, queue tickets, consent receipts.
Used by the API and by the kiosk's client."""

from __future__ import annotations

from marshmallow import fields, validate

from shared_schemas.base import BaseSchema, PastDate, PersonalId, PersonName
from shared_schemas.identification import TRUST_LEVELS, ChipEvidenceSchema
from shared_schemas.signed import MAX_TOKEN_CHARS

METHODS = ("chip", "cccd_qr", "signed_qr", "id_and_dob")
PAYMENTS = ("insurance", "self_pay")  # khám BHYT | khám dịch vụ (tự chi trả)


class HospitalSchema(BaseSchema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    level = fields.String()
    province_code = fields.String()


class DepartmentBriefSchema(BaseSchema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    location = fields.String()


class DepartmentSchema(DepartmentBriefSchema):
    opens_at = fields.Time(format="%H:%M")
    closes_at = fields.Time(format="%H:%M")
    open_weekdays = fields.String(metadata={"description": "Days open, Monday = 0"})
    open_now = fields.Boolean()


class KioskCreateSchema(BaseSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9._-]{3,63}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=12, max=128))
    display_name = fields.String(required=True, validate=validate.Length(min=3, max=100))


class KioskSchema(BaseSchema):
    username = fields.String()
    display_name = fields.String()
    hospital = fields.Nested(HospitalSchema)
    provisional_range_start = fields.Integer()
    provisional_range_end = fields.Integer()


class IdentificationSchema(BaseSchema):
    """How the patient identified at the kiosk, with the evidence the server verifies itself: `chip` (what was
    read from the card), `identity_token` (the app's signed QR). `cccd_qr` (the card's printed QR) and
    `id_and_dob` (children only) carry data, not proof, and are recorded at that lower trust level."""

    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    personal_id = PersonalId(load_default=None, metadata={"description": "Required for cccd_qr and id_and_dob"})
    date_of_birth = PastDate(load_default=None)
    full_name = PersonName(load_default=None, metadata={"description": "Required for cccd_qr"})
    chip = fields.Nested(ChipEvidenceSchema, load_default=None, metadata={"description": "chip: the read"})
    identity_token = fields.String(
        load_default=None,
        validate=validate.Length(min=20, max=MAX_TOKEN_CHARS),
        metadata={"description": "signed_qr: the JWS compact token the QR holds"},
    )


class CheckinCreateSchema(BaseSchema):
    identification = fields.Nested(IdentificationSchema, required=True)
    visit_type = fields.String(load_default="outpatient", validate=validate.OneOf(["outpatient", "inpatient"]))
    referral = fields.Boolean(load_default=False)
    emergency = fields.Boolean(load_default=False)
    identified_at = fields.AwareDateTime(load_default=None, metadata={"description": "Offline check-ins: when"})


class PatientSchema(BaseSchema):
    full_name = fields.String()
    personal_id_masked = fields.String()
    date_of_birth = fields.Date()
    sex = fields.String()


class InsuranceSchema(BaseSchema):
    status = fields.String(metadata={"description": "valid | expired | not_yet_valid | none"})
    card_number_masked = fields.String(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    benefit_level = fields.Integer(allow_none=True)
    primary_care_facility_name = fields.String(allow_none=True)
    in_route = fields.Boolean()
    route_reason = fields.String()
    coverage_percent = fields.Integer()
    low_cost_threshold_dong = fields.Integer()
    message_vi = fields.String()
    message_en = fields.String()


class ConsentSchema(BaseSchema):
    id = fields.String()
    recipient_code = fields.String()
    recipient_name = fields.String()
    data_categories = fields.List(fields.String())
    purpose = fields.String()
    collected_via = fields.String()
    granted_at = fields.DateTime()
    valid_until = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    active = fields.Boolean()


class CheckinSchema(BaseSchema):
    id = fields.String()
    hospital = fields.Nested(HospitalSchema)
    method = fields.String()
    identified_at = fields.DateTime()
    expires_at = fields.DateTime()
    patient = fields.Nested(PatientSchema)
    insurance = fields.Nested(InsuranceSchema)
    consent = fields.Nested(
        ConsentSchema, allow_none=True, metadata={"description": "Only when the server verified the patient was there"}
    )
    trust_level = fields.String(validate=validate.OneOf(TRUST_LEVELS))


class TicketCreateSchema(BaseSchema):
    department_code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    provisional_number = fields.Integer(
        load_default=None,
        validate=validate.Range(min=10_000, max=2**31 - 1),
        metadata={"description": "Offline sync: the number the kiosk printed"},
    )
    payment = fields.String(
        load_default="insurance",
        validate=validate.OneOf(PAYMENTS),
        metadata={
            "description": "The patient's choice: khám BHYT (insurance) or khám dịch vụ (self_pay). A card that "
            "pays nothing at this hospital makes it self_pay, whatever was asked."
        },
    )


class TicketSchema(BaseSchema):
    id = fields.String()
    number = fields.Integer()
    department = fields.Nested(DepartmentBriefSchema)
    service_date = fields.Date()
    issued_at = fields.DateTime()
    status = fields.String()
    provisional = fields.Boolean()
    existing = fields.Boolean(metadata={"description": "The patient already had this ticket today"})
    waiting_ahead = fields.Integer()
    patient_name_masked = fields.String()
    payment = fields.String(validate=validate.OneOf(PAYMENTS))
    insurance_message_vi = fields.String()
    insurance_message_en = fields.String()


class QueueEntrySchema(BaseSchema):
    id = fields.String()
    number = fields.Integer()
    status = fields.String()
    provisional = fields.Boolean()
    issued_at = fields.DateTime()
    called_at = fields.DateTime(allow_none=True)
    patient_name_masked = fields.String(allow_none=True)
    in_route = fields.Boolean()
    coverage_percent = fields.Integer()
    trust_level = fields.String(metadata={"description": "How the patient was identified (what the server verified)"})
    payment = fields.String(validate=validate.OneOf(PAYMENTS))


class QueueSchema(BaseSchema):
    department = fields.Nested(DepartmentBriefSchema)
    service_date = fields.Date()
    waiting = fields.Integer()
    tickets = fields.List(fields.Nested(QueueEntrySchema))


class QueueQuerySchema(BaseSchema):
    date = fields.Date(load_default=None)
