"""What a person at the kiosk or the desk is told when recovery stops, Vietnamese first, English second: plain
words, where to go next, and never a hint about whose account or card it was."""

from __future__ import annotations

from backend.errors import DomainError

MESSAGES: dict[str, tuple[str, str]] = {
    "chip-not-verified": (
        "Không xác thực được thẻ căn cước. Vui lòng thử lại hoặc đến quầy hỗ trợ.",
        "Your ID card could not be confirmed. Please try again or go to the help desk.",
    ),
    "chip-photo-unsigned": (
        "Không đọc được ảnh chân dung trong thẻ. Vui lòng đến quầy hỗ trợ.",
        "The photo on your card could not be read. Please go to the help desk.",
    ),
    "no-account": (
        "Không tìm thấy tài khoản định danh để khôi phục. Bạn có thể đăng ký tài khoản mới.",
        "There is no identity account to recover. You can register a new account.",
    ),
    "deceased": (
        "Không thể khôi phục tài khoản này. Vui lòng liên hệ cơ quan công an.",
        "This account cannot be recovered. Please contact the police office.",
    ),
    "officer-locked": (
        "Tài khoản đang bị cơ quan công an khóa. Vui lòng đến cơ quan công an nơi cư trú để mở khóa.",
        "This account has been locked by the police. Please go to your local police office to unlock it.",
    ),
    "face-mismatch": (
        "Khuôn mặt chưa khớp với ảnh trong thẻ. Nhân viên sẽ đến hỗ trợ bạn.",
        "Your face did not match the photo on the card. A member of staff will come to help you.",
    ),
    "no-face": (
        "Máy chưa nhìn rõ khuôn mặt. Nhân viên sẽ đến hỗ trợ bạn.",
        "The camera could not see your face clearly. A member of staff will come to help you.",
    ),
    "no-face-on-chip": (
        "Không dùng được ảnh trong thẻ để so khớp. Nhân viên sẽ đến hỗ trợ bạn.",
        "The photo on the card cannot be used for matching. A member of staff will come to help you.",
    ),
    "no-blink": (
        "Máy chưa thấy bạn chớp mắt. Nhân viên sẽ đến hỗ trợ bạn.",
        "The camera did not see you blink. A member of staff will come to help you.",
    ),
    "no-head-turn": (
        "Máy chưa thấy bạn quay đầu. Nhân viên sẽ đến hỗ trợ bạn.",
        "The camera did not see you turn your head. A member of staff will come to help you.",
    ),
    "face-check-unavailable": (
        "Máy chưa thể so khớp khuôn mặt lúc này. Nhân viên sẽ đến hỗ trợ bạn.",
        "Face matching is not available right now. A member of staff will come to help you.",
    ),
    "staff-declined": (
        "Nhân viên không xác nhận được danh tính. Vui lòng đến cơ quan công an để khôi phục tài khoản.",
        "Staff could not confirm your identity. Please go to a police office to recover your account.",
    ),
    "too-many-attempts": (
        "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau 24 giờ hoặc đến cơ quan công an.",
        "Too many attempts. Please try again after 24 hours or go to a police office.",
    ),
    "kiosk-busy": (
        "Máy đã thực hiện quá nhiều lượt khôi phục. Vui lòng thử lại sau hoặc đến quầy hỗ trợ.",
        "This kiosk has handled too many recoveries. Please try later or go to the help desk.",
    ),
    "expired": (
        "Phiên khôi phục đã hết hạn. Vui lòng bắt đầu lại.",
        "The recovery session has expired. Please start again.",
    ),
}


class RecoveryRefused(DomainError):
    status, code, title = 422, "recovery-refused", "Account recovery was refused"


class RecoveryRateLimited(RecoveryRefused):
    status, code, title = 429, "recovery-rate-limited", "Too many recovery attempts"


def refusal(reason: str, *, limited: bool = False) -> RecoveryRefused:
    vi, en = MESSAGES[reason]
    kind = RecoveryRateLimited if limited else RecoveryRefused
    return kind(f"{vi} / {en}", reason=reason, message_vi=vi, message_en=en)


def words(reason: str | None) -> tuple[str | None, str | None]:
    return MESSAGES.get(reason, (None, None)) if reason else (None, None)
