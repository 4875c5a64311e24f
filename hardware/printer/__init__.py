"""The receipt printer: queue-ticket layout (a pure model), Pillow rendering, python-escpos backends."""

from hardware.printer.device import PrinterStatus, TicketPrinter
from hardware.printer.errors import PaperOut, PrinterError, PrinterNotFound, PrinterOffline
from hardware.printer.render import DEFAULT_PAPER_WIDTH_PX, render_layout, render_png
from hardware.printer.ticket import (
    Align,
    Feed,
    QrCode,
    QueueTicket,
    Rule,
    TextLine,
    TextSize,
    demo_ticket,
    layout_ticket,
)

__all__ = [
    "DEFAULT_PAPER_WIDTH_PX",
    "Align",
    "Feed",
    "PaperOut",
    "PrinterError",
    "PrinterNotFound",
    "PrinterOffline",
    "PrinterStatus",
    "QrCode",
    "QueueTicket",
    "Rule",
    "TextLine",
    "TextSize",
    "TicketPrinter",
    "demo_ticket",
    "layout_ticket",
    "render_layout",
    "render_png",
]
