"""Opening python-escpos backends (USB, serial, network, file, dummy), with failures as PrinterNotFound."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, File, Network, Serial, Usb
from escpos.printer import serial as escpos_serial
from escpos.printer import usb as escpos_usb

from hardware.printer.errors import PrinterNotFound

logger = logging.getLogger(__name__)

NETWORK_TIMEOUT_S = 5.0


def usb_printer(vendor_id: int, product_id: int) -> Escpos:
    # Checked before construction: an Usb object without pyusb raises from __del__ as well.
    if not escpos_usb.is_usable():
        raise PrinterNotFound("USB printers need pyusb (pip install 'python-escpos[usb]')")
    return _opened(Usb(vendor_id, product_id, timeout=5000), f"USB {vendor_id:04x}:{product_id:04x}")


def serial_printer(devfile: str, baudrate: int = 9600) -> Escpos:
    if not escpos_serial.is_usable():
        raise PrinterNotFound("serial printers need pyserial (pip install 'python-escpos[serial]')")
    return _opened(Serial(devfile=devfile, baudrate=baudrate, timeout=2), f"serial {devfile}")


class _Network(Network):
    """escpos's Network leaves its socket open when connect fails (a ResourceWarning); this one does not."""

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            self.device = None
            raise DeviceNotFoundError(f"could not connect to {self.host}:{self.port}: {exc}") from exc


def network_printer(host: str, port: int = 9100, timeout: float = NETWORK_TIMEOUT_S) -> Escpos:
    return _opened(_Network(host=host, port=port, timeout=timeout), f"network {host}:{port}")


def file_printer(path: str | Path) -> Escpos:
    return _opened(File(devfile=str(path)), f"file {path}")


def dummy_printer() -> Dummy:
    """Records every byte in ``.output``: for tests and for kiosks without a printer in development."""
    return Dummy()


def _opened(printer: Escpos, label: str) -> Escpos:
    try:
        printer.open()
    except (DeviceNotFoundError, OSError) as exc:
        raise PrinterNotFound(f"printer {label} cannot be opened: {exc}") from exc
    if printer.device is None:
        raise PrinterNotFound(f"printer {label} cannot be opened")
    logger.info("printer %s opened", label)
    return printer
