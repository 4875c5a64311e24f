import sys
import types

import pytest

from hardware.camera import FileFrameSource, OpenCvCamera, SimulatedCamera
from hardware.config import (
    CameraSpec,
    CardReaderSpec,
    HardwareConfig,
    HardwareConfigError,
    PrinterSpec,
    open_camera,
    open_card_reader,
)
from hardware.errors import HardwareError, NoDevice


@pytest.mark.parametrize(
    "text, spec",
    [
        ("opencv:0", CameraSpec("opencv", source=0)),
        ("opencv:12", CameraSpec("opencv", source=12)),
        ("opencv:rtsp://cam.local:554/live", CameraSpec("opencv", source="rtsp://cam.local:554/live")),
        ("file:/srv/scans/card.mp4", CameraSpec("file", source="/srv/scans/card.mp4")),
        ("simulator", CameraSpec("simulator", seed=0)),
        ("simulator:42", CameraSpec("simulator", seed=42)),
    ],
)
def test_camera_specs(text, spec):
    assert CameraSpec.parse(text) == spec


@pytest.mark.parametrize(
    "text, spec",
    [
        ("usb:0x0416:0x5011", PrinterSpec("usb", vendor_id=0x0416, product_id=0x5011)),
        ("usb:04b8:0e15", PrinterSpec("usb", vendor_id=0x04B8, product_id=0x0E15)),
        ("serial:/dev/ttyUSB0", PrinterSpec("serial", path="/dev/ttyUSB0")),
        ("serial:/dev/ttyS1:19200", PrinterSpec("serial", path="/dev/ttyS1", baudrate=19200)),
        ("serial:COM3", PrinterSpec("serial", path="COM3")),
        ("network:10.0.0.5:9100", PrinterSpec("network", host="10.0.0.5", port=9100)),
        ("network:printer.kiosk.local", PrinterSpec("network", host="printer.kiosk.local", port=9100)),
        ("network:[fd00::5]:9101", PrinterSpec("network", host="fd00::5", port=9101)),
        ("file:/dev/usb/lp0", PrinterSpec("file", path="/dev/usb/lp0")),
        ("dummy", PrinterSpec("dummy")),
    ],
)
def test_printer_specs(text, spec):
    assert PrinterSpec.parse(text) == spec


@pytest.mark.parametrize(
    "text, spec",
    [
        ("pcsc", CardReaderSpec("pcsc", None, "pcsc")),
        (
            "pcsc:ACS ACR1252 1S CL Reader PICC 00 00",
            CardReaderSpec("pcsc", "ACS ACR1252 1S CL Reader PICC 00 00", "pcsc:ACS ACR1252 1S CL Reader PICC 00 00"),
        ),
        ("simulator", CardReaderSpec("simulator", None, "simulator")),
    ],
)
def test_card_reader_specs(text, spec):
    assert CardReaderSpec.parse(text) == spec


@pytest.mark.parametrize(
    "parser, text, message",
    [
        (CameraSpec.parse, "webcam", "not one of"),
        (CameraSpec.parse, "opencv:", "device index"),
        (CameraSpec.parse, "opencv:front", "device index"),
        (CameraSpec.parse, "file:", "needs a path"),
        (CameraSpec.parse, "simulator:abc", "seed"),
        (PrinterSpec.parse, "usb:0416", "vendor:product"),
        (PrinterSpec.parse, "usb:0x10000:0x1", "vendor:product"),
        (PrinterSpec.parse, "serial:", "needs a port"),
        (PrinterSpec.parse, "network:", "host"),
        (PrinterSpec.parse, "network:10.0.0.5:70000", "host"),
        (PrinterSpec.parse, "network:10.0.0.5:0", "host"),
        (PrinterSpec.parse, "file:", "needs a path"),
        (PrinterSpec.parse, "lp", "not one of"),
        (CardReaderSpec.parse, "pcsc:", "reader name"),
        (CardReaderSpec.parse, "nfc", "not one of"),
    ],
)
def test_spec_errors(parser, text, message):
    with pytest.raises(HardwareConfigError, match=message):
        parser(text)


def test_from_mapping():
    config = HardwareConfig.from_mapping(
        {
            "CONGDAN_CAMERA": "opencv:1",
            "CONGDAN_CARD_READER": "pcsc",
            "CONGDAN_PRINTER": "network:10.0.0.5",
            "CONGDAN_PRINTER_WIDTH_PX": "384",
            "CONGDAN_PRINTER_NATIVE_QR": "no",
            "UNRELATED": "x",
        }
    )
    assert config.camera == CameraSpec("opencv", source=1)
    assert config.card_reader.kind == "pcsc"
    assert config.printer.host == "10.0.0.5"
    assert (config.printer_paper_width_px, config.printer_native_qr) == (384, False)


def test_from_empty_mapping_configures_nothing_and_opening_is_an_error():
    config = HardwareConfig.from_mapping({})
    assert (config.camera, config.card_reader, config.printer) == (None, None, None)
    for opener, variable in [
        (config.open_camera, "CONGDAN_CAMERA"),
        (config.open_printer, "CONGDAN_PRINTER"),
        (config.open_card_reader, "CONGDAN_CARD_READER"),
    ]:
        with pytest.raises(HardwareConfigError, match=variable):
            opener()


def test_every_bad_setting_is_reported_at_once():
    with pytest.raises(HardwareConfigError) as caught:
        HardwareConfig.from_mapping(
            {
                "CONGDAN_CAMERA": "webcam",
                "CONGDAN_PRINTER": "usb:x",
                "CONGDAN_PRINTER_WIDTH_PX": "500",
                "CONGDAN_PRINTER_NATIVE_QR": "maybe",
            }
        )
    message = str(caught.value)
    for variable in ("CONGDAN_CAMERA", "CONGDAN_PRINTER:", "CONGDAN_PRINTER_WIDTH_PX", "CONGDAN_PRINTER_NATIVE_QR"):
        assert variable in message
    assert isinstance(caught.value, HardwareError) and isinstance(caught.value, ValueError)


def test_open_camera_kinds(tmp_path):
    camera = open_camera("simulator:3")
    assert isinstance(camera, SimulatedCamera) and camera.is_open and camera.seed == 3
    camera.close()
    with pytest.raises(NoDevice):
        open_camera(f"file:{tmp_path}/absent.png")
    assert isinstance(FileFrameSource(tmp_path / "x.png"), FileFrameSource)
    assert isinstance(OpenCvCamera(0), OpenCvCamera)  # constructing opens nothing


def test_absent_usb_printer_is_no_device():
    # Without pyusb, or without the printer on the bus: either way NoDevice, never a fallback.
    with pytest.raises(NoDevice):
        HardwareConfig.from_mapping({"CONGDAN_PRINTER": "usb:0x0416:0x5011"}).open_printer()


def test_open_card_reader_delegates_to_smartcard(monkeypatch):
    calls = []
    fake = types.ModuleType("hardware.smartcard")
    fake.open_transport = lambda text: calls.append(text) or "transport"
    monkeypatch.setitem(sys.modules, "hardware.smartcard", fake)
    assert open_card_reader("pcsc:Reader 0") == "transport"
    assert calls == ["pcsc:Reader 0"]
