"""TicketPrinter: sends ticket layouts to an ESC/POS printer (any python-escpos backend) and reads its status."""

from __future__ import annotations

import logging
from enum import Enum

from escpos.constants import QR_ECLEVEL_M, RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError

from hardware.printer.errors import PaperOut, PrinterOffline
from hardware.printer.render import DEFAULT_PAPER_WIDTH_PX, chunk_layout, render_qr, render_text_elements
from hardware.printer.ticket import LayoutElement, QrCode, QueueTicket, layout_ticket

logger = logging.getLogger(__name__)

# DLE EOT n replies (ESC/POS): n=1 bit 3 set = offline; n=4 bits 2-3 = paper near end, bits 5-6 = paper end.
_OFFLINE_BIT = 0x08
_PAPER_LOW_BITS = 0x0C
_PAPER_OUT_BITS = 0x60


class PrinterStatus(str, Enum):
    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"
    UNKNOWN = "unknown"  # the backend cannot report status (file, dummy) or the printer did not answer


class TicketPrinter:
    """A receipt printer for queue tickets. ``device`` is an opened python-escpos printer."""

    def __init__(self, device: Escpos, *, paper_width_px: int = DEFAULT_PAPER_WIDTH_PX, native_qr: bool = True) -> None:
        self.device = device
        self.paper_width_px = paper_width_px
        # escpos checks image widths against the profile (and prints a notice when it has none); give this
        # instance its own copy of the profile data rather than mutating the class-level dict all share.
        profile_data = dict(device.profile.profile_data)
        profile_data["media"] = {"width": {"pixels": paper_width_px, "mm": "Unknown"}, "dpi": 203}
        device.profile.profile_data = profile_data
        # GS ( k is not on every cheap printer; those get the QR as an image.
        self.native_qr = native_qr and device.profile.supports("qrCode")

    def status(self) -> PrinterStatus:
        try:
            online = self._query(RT_STATUS_ONLINE)
            if online is None:
                return PrinterStatus.UNKNOWN
            if online & _OFFLINE_BIT:
                return PrinterStatus.OFFLINE
            paper = self._query(RT_STATUS_PAPER)
        except TimeoutError:
            logger.info("printer did not answer the status query")
            return PrinterStatus.UNKNOWN
        except (OSError, EscposError) as exc:
            logger.warning("printer status query failed: %s", exc)
            return PrinterStatus.OFFLINE
        if paper is None:
            return PrinterStatus.UNKNOWN
        if paper & _PAPER_OUT_BITS:
            return PrinterStatus.PAPER_OUT
        if paper & _PAPER_LOW_BITS:
            return PrinterStatus.PAPER_LOW
        return PrinterStatus.READY

    def print_ticket(self, ticket: QueueTicket) -> None:
        """Print one ticket; PaperOut / PrinterOffline when the printer says so or the connection fails."""
        self.print_layout(layout_ticket(ticket))
        logger.info("printed queue ticket %s", ticket.ticket_id)

    def print_layout(self, elements: list[LayoutElement]) -> None:
        status = self.status()
        if status is PrinterStatus.PAPER_OUT:
            raise PaperOut("the printer reports no paper")
        if status is PrinterStatus.OFFLINE:
            raise PrinterOffline("the printer reports itself offline")
        if status is PrinterStatus.PAPER_LOW:
            logger.warning("printer paper is running low")
        try:
            self.device.hw("INIT")
            for chunk in chunk_layout(elements):
                if isinstance(chunk, QrCode):
                    self._print_qr(chunk)
                else:
                    self.device.image(render_text_elements(chunk, self.paper_width_px))
            self.device.cut()
        except (OSError, EscposError) as exc:
            raise PrinterOffline(f"printing failed: {exc}") from exc

    def close(self) -> None:
        self.device.close()

    def _print_qr(self, qr: QrCode) -> None:
        if self.native_qr:
            self.device.set(align="center")
            self.device.qr(qr.data, ec=QR_ECLEVEL_M, size=max(1, min(16, qr.module_px)), native=True)
            self.device.set(align="left")
        else:
            self.device.image(render_qr(qr.data, qr.module_px, self.paper_width_px))

    @property
    def can_report_status(self) -> bool:
        # Backends that cannot read (file, dummy) would only get the query bytes written into their output.
        return type(self.device)._read is not Escpos._read

    def _query(self, request: bytes) -> int | None:
        if not self.can_report_status:
            return None
        try:
            reply = self.device.query_status(request)
        except NotImplementedError:
            return None
        return reply[0] if reply else None
