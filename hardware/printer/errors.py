"""Errors of the receipt printer."""

from __future__ import annotations

from hardware.errors import HardwareError, NoDevice


class PrinterError(HardwareError):
    """Base of every printer error."""

    user_message_vi = "Máy in gặp sự cố. Vui lòng liên hệ nhân viên để nhận phiếu."
    user_message_en = "The printer has a problem. Please ask a staff member for your ticket."


class PrinterNotFound(NoDevice, PrinterError):
    """The configured printer (USB ids, serial port, host, file) cannot be opened."""


class PrinterOffline(PrinterError):
    """The printer does not answer, reports itself offline, or the connection broke while printing."""


class PaperOut(PrinterError):
    """The paper roll is empty."""

    user_message_vi = "Máy in hết giấy. Vui lòng liên hệ nhân viên."
    user_message_en = "The printer is out of paper. Please ask a staff member."
