"""Which device implementation to use, from configuration (e.g. environment variables), and factories
that open them. A device that is not configured or not present is an error, never a silent fallback.

    CONGDAN_CAMERA       opencv:0 | opencv:rtsp://host/stream | file:/path/to/image-or-video | simulator[:SEED]
    CONGDAN_CARD_READER  pcsc | pcsc:<reader name> | simulator
    CONGDAN_PRINTER      usb:0x0416:0x5011 | serial:/dev/ttyUSB0[:BAUD] | network:10.0.0.5[:9100] | file:/path | dummy
    CONGDAN_PRINTER_WIDTH_PX   printable dots per line: 576 for 80 mm paper (default), 384 for 58 mm
    CONGDAN_PRINTER_NATIVE_QR  1 (default) to print QR codes with the printer's own command, 0 to send images
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hardware.errors import HardwareError

if TYPE_CHECKING:  # the device packages pull in OpenCV and escpos: imported when a device is opened
    from hardware.camera import FrameSource
    from hardware.printer import TicketPrinter

ENV_CAMERA = "CONGDAN_CAMERA"
ENV_CARD_READER = "CONGDAN_CARD_READER"
ENV_PRINTER = "CONGDAN_PRINTER"
ENV_PRINTER_WIDTH = "CONGDAN_PRINTER_WIDTH_PX"
ENV_PRINTER_NATIVE_QR = "CONGDAN_PRINTER_NATIVE_QR"


class HardwareConfigError(HardwareError, ValueError):
    """A device setting is missing or malformed; the message names the setting and the accepted forms."""

    user_message_vi = "Thiết bị chưa được cấu hình đúng. Vui lòng liên hệ nhân viên."
    user_message_en = "The device is not configured correctly. Please ask a staff member."


@dataclass(frozen=True)
class CameraSpec:
    kind: str  # "opencv" | "file" | "simulator"
    source: int | str | None = None  # device index or URL (opencv), path (file)
    seed: int | None = None  # simulator

    @classmethod
    def parse(cls, text: str) -> CameraSpec:
        kind, _, rest = text.strip().partition(":")
        if kind == "simulator":
            if rest and not re.fullmatch(r"[0-9]+", rest):
                raise HardwareConfigError(f"camera 'simulator:{rest}': the seed must be a non-negative integer")
            return cls("simulator", seed=int(rest) if rest else 0)
        if kind == "opencv":
            if re.fullmatch(r"[0-9]+", rest):
                return cls("opencv", source=int(rest))
            if re.fullmatch(r"[a-z][a-z0-9+.-]*://\S+", rest):
                return cls("opencv", source=rest)
            raise HardwareConfigError("camera 'opencv:' needs a device index (opencv:0) or a stream URL")
        if kind == "file":
            if not rest:
                raise HardwareConfigError("camera 'file:' needs a path (file:/path/to/frames.mp4)")
            return cls("file", source=rest)
        raise HardwareConfigError(
            f"camera {text!r} is not one of opencv:<index>, opencv:<url>, file:<path>, simulator[:seed]"
        )


@dataclass(frozen=True)
class CardReaderSpec:
    kind: str  # "pcsc" | "simulator"
    reader_name: str | None = None
    text: str = ""  # the setting as written, handed to hardware.smartcard.open_transport

    @classmethod
    def parse(cls, text: str) -> CardReaderSpec:
        text = text.strip()
        kind, sep, rest = text.partition(":")
        if kind == "pcsc":
            if sep and not rest.strip():
                raise HardwareConfigError("card reader 'pcsc:' needs a reader name, or write just 'pcsc'")
            return cls("pcsc", rest.strip() or None, text)
        if text == "simulator":
            return cls("simulator", None, text)
        raise HardwareConfigError(f"card reader {text!r} is not one of pcsc, pcsc:<reader name>, simulator")


@dataclass(frozen=True)
class PrinterSpec:
    kind: str  # "usb" | "serial" | "network" | "file" | "dummy"
    vendor_id: int | None = None
    product_id: int | None = None
    path: str | None = None  # serial device or file
    baudrate: int = 9600
    host: str | None = None
    port: int = 9100

    @classmethod
    def parse(cls, text: str) -> PrinterSpec:
        text = text.strip()
        kind, _, rest = text.partition(":")
        if text == "dummy":
            return cls("dummy")
        if kind == "usb":
            match = re.fullmatch(r"(?:0x)?([0-9a-fA-F]{1,4}):(?:0x)?([0-9a-fA-F]{1,4})", rest)
            if not match:
                raise HardwareConfigError("printer 'usb:' needs vendor:product ids in hex, e.g. usb:0x0416:0x5011")
            return cls("usb", vendor_id=int(match[1], 16), product_id=int(match[2], 16))
        if kind == "serial":
            match = re.fullmatch(r"(.+?)(?::([0-9]+))?", rest)
            if not rest or not match:
                raise HardwareConfigError("printer 'serial:' needs a port, e.g. serial:/dev/ttyUSB0[:19200]")
            return cls("serial", path=match[1], baudrate=int(match[2]) if match[2] else 9600)
        if kind == "network":
            match = re.fullmatch(r"(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?", rest)
            port = int(match[2]) if match and match[2] else 9100
            if not match or not 0 < port < 65536:
                raise HardwareConfigError("printer 'network:' needs host[:port], e.g. network:10.0.0.5:9100")
            return cls("network", host=match[1].strip("[]"), port=port)
        if kind == "file":
            if not rest:
                raise HardwareConfigError("printer 'file:' needs a path, e.g. file:/dev/usb/lp0")
            return cls("file", path=rest)
        raise HardwareConfigError(
            f"printer {text!r} is not one of usb:<vid>:<pid>, serial:<port>, network:<host>[:port], file:<path>, dummy"
        )


@dataclass(frozen=True)
class HardwareConfig:
    """The kiosk's devices. Unset devices are None: opening one of those is a HardwareConfigError."""

    camera: CameraSpec | None = None
    card_reader: CardReaderSpec | None = None
    printer: PrinterSpec | None = None
    printer_paper_width_px: int = 576
    printer_native_qr: bool = True

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> HardwareConfig:
        """Build from e.g. ``os.environ``; every malformed setting is reported at once."""
        problems: list[str] = []
        values: dict[str, Any] = {}

        def parse(key: str, field: str, parser: Any) -> None:
            text = settings.get(key, "").strip()
            if not text:
                return
            try:
                values[field] = parser(text)
            except HardwareConfigError as exc:
                problems.append(f"{key}: {exc}")

        parse(ENV_CAMERA, "camera", CameraSpec.parse)
        parse(ENV_CARD_READER, "card_reader", CardReaderSpec.parse)
        parse(ENV_PRINTER, "printer", PrinterSpec.parse)
        parse(ENV_PRINTER_WIDTH, "printer_paper_width_px", _paper_width)
        parse(ENV_PRINTER_NATIVE_QR, "printer_native_qr", _flag)
        if problems:
            raise HardwareConfigError("; ".join(problems))
        return cls(**values)

    def open_camera(self) -> FrameSource:
        if self.camera is None:
            raise HardwareConfigError(f"no camera configured (set {ENV_CAMERA})")
        return open_camera(self.camera)

    def open_printer(self) -> TicketPrinter:
        if self.printer is None:
            raise HardwareConfigError(f"no printer configured (set {ENV_PRINTER})")
        return open_printer(self.printer, paper_width_px=self.printer_paper_width_px, native_qr=self.printer_native_qr)

    def open_card_reader(self) -> Any:
        if self.card_reader is None:
            raise HardwareConfigError(f"no card reader configured (set {ENV_CARD_READER})")
        return open_card_reader(self.card_reader)


def _paper_width(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text) or not 200 <= int(text) <= 2000 or int(text) % 8:
        raise HardwareConfigError(f"paper width {text!r} must be a multiple of 8 between 200 and 2000 dots")
    return int(text)


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise HardwareConfigError(f"{text!r} is not a yes/no value (1/0, true/false)")


def open_camera(spec: str | CameraSpec) -> FrameSource:
    """Open the camera ``spec`` describes (opened already); CameraNotFound (a NoDevice) if it is not there."""
    from hardware.camera import FileFrameSource, OpenCvCamera, SimulatedCamera

    if isinstance(spec, str):
        spec = CameraSpec.parse(spec)
    if spec.kind == "opencv":
        assert spec.source is not None
        source = OpenCvCamera(spec.source)
    elif spec.kind == "file":
        assert spec.source is not None
        source = FileFrameSource(Path(str(spec.source)))
    elif spec.kind == "simulator":
        source = SimulatedCamera(seed=spec.seed)
    else:
        raise HardwareConfigError(f"unknown camera kind {spec.kind!r}")
    source.open()
    return source


def open_printer(spec: str | PrinterSpec, *, paper_width_px: int = 576, native_qr: bool = True) -> TicketPrinter:
    """Open the printer ``spec`` describes as a TicketPrinter; PrinterNotFound (a NoDevice) if absent."""
    from hardware.printer import TicketPrinter, backends

    if isinstance(spec, str):
        spec = PrinterSpec.parse(spec)
    if spec.kind == "usb":
        assert spec.vendor_id is not None and spec.product_id is not None
        device = backends.usb_printer(spec.vendor_id, spec.product_id)
    elif spec.kind == "serial":
        assert spec.path is not None
        device = backends.serial_printer(spec.path, spec.baudrate)
    elif spec.kind == "network":
        assert spec.host is not None
        device = backends.network_printer(spec.host, spec.port)
    elif spec.kind == "file":
        assert spec.path is not None
        device = backends.file_printer(spec.path)
    elif spec.kind == "dummy":
        device = backends.dummy_printer()
    else:
        raise HardwareConfigError(f"unknown printer kind {spec.kind!r}")
    return TicketPrinter(device, paper_width_px=paper_width_px, native_qr=native_qr)


def open_card_reader(spec: str | CardReaderSpec) -> Any:
    """Open the card reader through hardware.smartcard (imported here: it needs pyscard only when used)."""
    if isinstance(spec, str):
        spec = CardReaderSpec.parse(spec)
    from hardware.smartcard import open_transport

    return open_transport(spec.text)
