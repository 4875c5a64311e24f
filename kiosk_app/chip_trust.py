"""What the kiosk says about a chip read: the messages for chip failures (never "your card may have been
altered": usually it is the read, and staff can check the card; services/chip_errors.py maps the typed
errors to them), and the trust level of an identity for the staff line on the confirm screen. No Kivy and
no hardware imports: screens use it."""

from __future__ import annotations

from kiosk_app.flow import Identity, Message

#: A chip that could not be proven genuine, or whose signed data did not check out.
CARD_NOT_CONFIRMED = Message(
    "Chưa xác nhận được thẻ căn cước của bạn. Thường là do việc đọc thẻ, không phải do bạn. "
    "Vui lòng đến quầy tiếp đón số 1, nhân viên sẽ kiểm tra thẻ giúp bạn.",
    "We could not confirm your ID card. This is usually a reading problem, not something you did. "
    "Please go to reception counter 1; staff will check the card with you.",
)
READER_PROBLEM = Message(
    "Đầu đọc chưa đọc được thẻ. Vui lòng đặt lại thẻ, giữ yên vài giây. "
    "Nếu vẫn không được, vui lòng đến quầy tiếp đón số 1.",
    "The reader could not read the card. Please place it again and hold it still for a few seconds. "
    "If it still does not work, please go to reception counter 1.",
)
CARD_EXPIRED = Message(
    "Thẻ căn cước đã hết hạn. Vui lòng dùng mã QR của ứng dụng hoặc đến quầy tiếp đón số 1.",
    "The ID card has expired. Please use the app's QR code or go to reception counter 1.",
)

#: Trust level of an identity -> text key (texts.py) of the staff line on the confirm screen.
_TRUST_KEYS = {
    ("chip", "verified"): "trust_chip_verified",
    ("chip", "data_authentic_chip_not_proven"): "trust_chip_data_only",
    ("signed_qr", None): "trust_signed_qr",
    ("cccd_qr", None): "trust_cccd_qr",
    ("id_and_dob", None): "trust_typed",
}


def trust_key(identity: Identity | None) -> str:
    if identity is None:
        return ""
    level = getattr(identity, "trust_level", None) if identity.method == "chip" else None
    return _TRUST_KEYS.get((identity.method, level), "trust_chip_data_only" if identity.method == "chip" else "")
