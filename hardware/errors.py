"""Typed hardware errors. Every failure a device can produce is one of these, and each carries
a short message a kiosk can show to a patient (``user_message``, Vietnamese first then English)."""

from __future__ import annotations


class HardwareError(Exception):
    """Base of every device error."""

    #: Plain-language message for the person at the kiosk (vi / en).
    user_message_vi: str = "Thiết bị gặp sự cố. Vui lòng thử lại hoặc liên hệ nhân viên."
    user_message_en: str = "The device had a problem. Please try again or ask a staff member."

    @property
    def user_message(self) -> str:
        return f"{self.user_message_vi}\n{self.user_message_en}"


class NoDevice(HardwareError):
    """The configured device (reader, camera, printer) is not present."""

    user_message_vi = "Không tìm thấy thiết bị. Vui lòng liên hệ nhân viên."
    user_message_en = "The device was not found. Please ask a staff member."
