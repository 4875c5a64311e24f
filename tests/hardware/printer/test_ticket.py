import io
import socket
import threading
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from hardware.config import open_printer
from hardware.errors import NoDevice
from hardware.printer import (
    Align,
    PaperOut,
    PrinterNotFound,
    PrinterOffline,
    PrinterStatus,
    QrCode,
    TextLine,
    TextSize,
    TicketPrinter,
    layout_ticket,
    render_png,
)
from hardware.printer.render import load_font, wrap_text
from hardware.qr import decode
from shared_schemas.text import mask_name

ESC_POS_INIT = b"\x1b@"
ESC_POS_FULL_CUT = b"\x1dV\x00"


def texts(elements):
    return [element.text for element in elements if isinstance(element, TextLine)]


def test_layout_content(ticket):
    elements = layout_ticket(ticket)
    lines = texts(elements)
    assert lines[0] == "BỆNH VIỆN ĐA KHOA TỈNH BẮC NINH"
    assert "Khoa Nhi" in lines
    number = next(e for e in elements if isinstance(e, TextLine) and e.size is TextSize.HUGE)
    assert (number.text, number.bold, number.align) == ("0007", True, Align.CENTER)
    assert "Họ tên: N. T. Á. Tuyết" in lines
    assert "Số định danh: 0011******45" in lines
    assert "BHYT còn hạn đến 31/12/2026 — đúng tuyến — 80%" in lines
    assert "Thời gian: 08:05  15/07/2024" in lines
    assert [e.data for e in elements if isinstance(e, QrCode)] == ["QT-20240715-NHI-0007"]
    assert not any("001190012345" in line or "Nguyễn" in line for line in lines)


def test_provisional_ticket_says_so(ticket):
    assert any("Số tạm" in line for line in texts(layout_ticket(replace(ticket, provisional=True))))
    assert not any("Số tạm" in line for line in texts(layout_ticket(ticket)))


@pytest.mark.parametrize(
    "name, masked", [("Nguyễn Thị Ánh Tuyết", "N. T. Á. Tuyết"), ("Lò Văn Hòa", "L. V. Hòa"), ("Hùng", "Hùng")]
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_dummy_output_has_init_image_native_qr_and_cut(ticket):
    printer = open_printer("dummy")
    printer.print_ticket(ticket)
    output = printer.device.output
    assert output.startswith(ESC_POS_INIT)
    assert output.endswith(ESC_POS_FULL_CUT)
    assert b"\x1dv0" in output  # GS v 0 raster image: the Vietnamese text
    assert b"\x1d(k" in output and b"QT-20240715-NHI-0007" in output  # GS ( k native QR with the ticket id
    assert "Nguyễn".encode() not in output  # text goes as pixels, never through a code page


def test_image_qr_fallback(ticket):
    printer = open_printer("dummy", native_qr=False)
    printer.print_ticket(ticket)
    assert b"\x1d(k" not in printer.device.output
    assert printer.device.output.count(b"\x1dv0") >= 3  # text, QR, text


def test_png_preview_has_a_decodable_qr(ticket):
    image = Image.open(io.BytesIO(render_png(ticket)))
    assert image.width == 576
    assert decode(np.array(image.convert("L"))) == ["QT-20240715-NHI-0007"]
    assert Image.open(io.BytesIO(render_png(ticket, width=384))).width == 384


def test_preview_is_pure_black_and_white(ticket):
    pixels = np.array(Image.open(io.BytesIO(render_png(ticket))))
    assert set(np.unique(pixels)) <= {0, 255}


def test_wrap_text_fits_the_paper():
    font = load_font(24)
    lines = wrap_text("Phòng khám Tai Mũi Họng " * 5 + "x" * 80, font, 300)
    assert len(lines) > 3
    assert all(font.getlength(line) <= 300 for line in lines)
    assert "".join(lines).replace(" ", "") == ("Phòng khám Tai Mũi Họng " * 5 + "x" * 80).replace(" ", "")


def test_dummy_and_file_backends_report_unknown_status():
    assert open_printer("dummy").status() is PrinterStatus.UNKNOWN


def test_file_backend_writes_the_bytes(tmp_path, ticket):
    path = tmp_path / "lp0"
    printer = open_printer(f"file:{path}")
    printer.print_ticket(ticket)
    printer.close()
    data = path.read_bytes()
    assert data.startswith(ESC_POS_INIT) and data.endswith(ESC_POS_FULL_CUT)


def test_file_backend_in_a_missing_directory_is_no_device(tmp_path):
    with pytest.raises(PrinterNotFound) as caught:
        open_printer(f"file:{tmp_path}/no/such/dir/lp0")
    assert isinstance(caught.value, NoDevice)


@pytest.mark.parametrize(
    "online, paper, status",
    [
        (b"\x12", b"\x12", PrinterStatus.READY),
        (b"\x12", b"\x1e", PrinterStatus.PAPER_LOW),
        (b"\x12", b"\x72", PrinterStatus.PAPER_OUT),
        (b"\x1a", b"\x12", PrinterStatus.OFFLINE),
        (b"", b"", PrinterStatus.UNKNOWN),
    ],
)
def test_status_from_dle_eot_replies(status_dummy, online, paper, status):
    assert TicketPrinter(status_dummy(online, paper)).status() is status


def test_paper_out_and_offline_stop_printing(status_dummy, ticket):
    with pytest.raises(PaperOut) as caught:
        TicketPrinter(status_dummy(paper=b"\x72")).print_ticket(ticket)
    assert "hết giấy" in caught.value.user_message
    offline = status_dummy(online=b"\x1a")
    with pytest.raises(PrinterOffline):
        TicketPrinter(offline).print_ticket(ticket)
    assert offline.output == b""


def test_paper_low_still_prints_and_warns(status_dummy, ticket, caplog):
    device = status_dummy(paper=b"\x1e")
    TicketPrinter(device).print_ticket(ticket)
    assert device.output.endswith(ESC_POS_FULL_CUT)
    assert "paper is running low" in caplog.text


def test_connection_lost_while_printing_is_offline(status_dummy, ticket):
    class Broken(status_dummy):
        def _raw(self, msg):
            if msg[:2] != b"\x10\x04":
                raise BrokenPipeError("printer unplugged")
            super()._raw(msg)

    with pytest.raises(PrinterOffline, match="unplugged"):
        TicketPrinter(Broken()).print_ticket(ticket)


def test_network_printer_end_to_end(ticket):
    """A fake network printer on localhost: answers DLE EOT queries, collects the job."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    received = bytearray()

    def serve():
        connection, _ = server.accept()
        with connection:
            while chunk := connection.recv(65536):
                received.extend(chunk)
                if chunk.endswith((b"\x10\x04\x01", b"\x10\x04\x04")):
                    connection.sendall(b"\x12")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        printer = open_printer(f"network:127.0.0.1:{port}")
        assert printer.status() is PrinterStatus.READY
        printer.print_ticket(ticket)
        printer.close()
        thread.join(timeout=5)
    finally:
        server.close()
    assert received.endswith(ESC_POS_FULL_CUT)
    assert b"QT-20240715-NHI-0007" in received


def test_network_printer_that_refuses_is_no_device():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(PrinterNotFound):
        open_printer(f"network:127.0.0.1:{port}")
