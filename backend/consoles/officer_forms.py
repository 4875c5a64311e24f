"""Reading the officer console's forms: the same marshmallow schemas the JSON API uses, fed from a form, with the
errors turned into bilingual messages next to their fields (Vietnamese written here, the schema's English kept)."""

from __future__ import annotations

from dataclasses import dataclass, field

import marshmallow as ma

from backend.errors import ValidationFailed

# What each field's error means, in Vietnamese; the schema's own (English) message follows it.
FIELD_VI = {
    "decision": "Hãy chọn một quyết định.",
    "action": "Khi từ chối, hãy ghi người dân cần làm gì tiếp theo.",
    "reason": "Hãy ghi lý do (đủ dài để người dân hiểu); lý do được gửi cho người nộp hồ sơ.",
    "violation_code": "Mã hành vi không có trong danh mục đang có hiệu lực.",
    "occurred_at": "Thời điểm vi phạm không hợp lệ (không được ở tương lai, phải có ngày và giờ).",
    "place": "Hãy ghi nơi vi phạm (3–200 ký tự).",
    "ward_code": "Mã phường/xã gồm 5 chữ số và phải thuộc địa bàn của bạn.",
    "plate": "Biển số không hợp lệ (ví dụ 30A-123.45), hoặc cần biển số / người lái / số GPLX.",
    "driver_personal_id": "Số định danh cá nhân gồm 12 chữ số.",
    "licence_number": "Số giấy phép lái xe gồm 12 chữ số, đúng của người lái.",
    "fine_amount": "Mức phạt phải nằm trong khung của hành vi.",
    "suspension_months": "Số tháng tước GPLX phải nằm trong khung của hành vi.",
    "detected_by": "Hãy chọn cách phát hiện.",
    "purpose": "Hãy ghi mục đích tra cứu (ít nhất 3 ký tự).",
    "_schema": "Dữ liệu không hợp lệ.",
}


@dataclass
class FormErrors:
    by_field: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (vi, en)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def get(self, name: str) -> tuple[str, str] | None:
        return self.by_field.get(name)

    def add(self, name: str, english: str) -> None:
        self.by_field[name] = (FIELD_VI.get(name, FIELD_VI["_schema"]), english)


def _first(message) -> str:
    while isinstance(message, (list, tuple)) and message:
        message = message[0]
    if isinstance(message, dict):
        return _first(next(iter(message.values()), ""))
    return str(message)


def errors_from(messages: dict) -> FormErrors:
    errors = FormErrors()
    for name, message in messages.items():
        errors.add(name, _first(message))
    return errors


def errors_from_domain(error: ValidationFailed) -> FormErrors:
    """A service's ValidationFailed names its field in `errors` (see backend/errors.py), perhaps under the part of
    the request it came in ("json"), or only says why."""
    errors = FormErrors()
    details = getattr(error, "errors", None) or {}
    details = details.get("json", details)  # the API's errors name the request part first
    for name, message in details.items():
        errors.add(name, _first(message))
    if not errors:
        errors.add("_schema", str(error))
    return errors


def load_form(schema: ma.Schema, form, *, fields: tuple[str, ...]) -> tuple[dict | None, FormErrors]:
    """Only the listed fields are read (the CSRF token and buttons are not the schema's business); blank ones
    count as not given, so optional fields take their defaults."""
    raw = {name: form.get(name, "") for name in fields}
    raw = {name: value.strip() if isinstance(value, str) else value for name, value in raw.items()}
    raw = {name: value for name, value in raw.items() if value != ""}
    try:
        return schema.load(raw), FormErrors()
    except ma.ValidationError as refused:
        return None, errors_from(refused.messages)
