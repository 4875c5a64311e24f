"""Screenshots of every screen from the real Kivy window (offscreen SDL), portrait and landscape, normal and
large text, saved under $CONGDAN_SCREENSHOTS (default /tmp/congdan-kiosk-screens) for a person to look at.
Checks that nothing overflows the window and that every button is at least 87 px tall."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from kiosk_app.flow import CheckinView, Coverage, Department, Identity, Message, State, TicketView
from kiosk_app.main import SCREEN_OF
from kiosk_app.services.simulation import SimulatedDevices
from tests.kiosk_app.fakes import DEPARTMENTS

OUT = Path(os.environ.get("CONGDAN_SCREENSHOTS") or Path(tempfile.gettempdir()) / "congdan-kiosk-screens")
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
SMALLEST_BUTTON_PX = 87


@pytest.fixture(scope="module")
def face_jpeg():
    devices = SimulatedDevices()
    from hardware.smartcard import read_card
    from hardware.smartcard.mrz import AccessKey  # noqa: F401

    result = read_card(devices.open_card_transport(), devices.patient.access_key(), devices.trust_store)
    return result.face_image.image_bytes


def _scenes(face_jpeg):
    identity = Identity(
        "chip",
        "001090012345",
        "1990-01-01",
        "Nguyễn Văn An",
        True,
        face_jpeg=face_jpeg,
        verified_locally=True,
        trust_level="verified",
    )
    not_proven = Identity(
        "chip",
        "001090012345",
        "1990-01-01",
        "Nguyễn Văn An",
        True,
        face_jpeg=face_jpeg,
        verified_locally=True,
        trust_level="data_authentic_chip_not_proven",
    )
    view = CheckinView(
        "c1",
        "Nguyễn Văn An",
        "0010******45",
        Message(
            "Thẻ BHYT còn hạn đến 31/12/2026 — đúng tuyến — được hưởng 80%",
            "Health insurance valid until 31/12/2026 — in-route — covers 80%",
        ),
        80,
        coverage=Coverage("valid", 80, True, "2026-12-31", "Trạm y tế phường Kim Liên"),
    )
    expired = CheckinView(
        "c2", "Nguyễn Văn An", "0010******45", Message("", ""), 0, coverage=Coverage("expired", 0, True, "2025-06-30")
    )
    out_of_route = CheckinView(
        "c3",
        "Nguyễn Văn An",
        "0010******45",
        Message("", ""),
        0,
        coverage=Coverage("valid", 0, False, "2026-12-31", "Bệnh viện Đa khoa Hà Đông"),
    )
    offline = CheckinView(None, "Nguyễn Văn An", "0010******45", Message("", ""), None, offline=True)
    child = Identity("id_and_dob", "001215000123", "2015-08-20")
    departments = [Department(d["code"], d["name"], d["name_en"], d["location"], d["open_now"]) for d in DEPARTMENTS]
    ticket = TicketView("9f2c0d6e5b7a4c1d", 17, departments[0], "N. V. An", view.insurance, waiting_ahead=4)
    provisional = TicketView(
        "P-1a2b3c4d5e6f",
        10_003,
        departments[0],
        "N. V. An",
        Message(
            "Chưa kiểm tra được thẻ BHYT (mất kết nối). Nhân viên sẽ kiểm tra khi gọi số.",
            "Insurance could not be checked (no connection).",
        ),
        provisional=True,
    )
    from kiosk_app.chip_trust import CARD_NOT_CONFIRMED

    error = CARD_NOT_CONFIRMED
    printer_failed = Message("Máy in hết giấy.", "The printer is out of paper.")
    return {
        "welcome": {"state": State.WELCOME},
        "welcome_help_coming": {"state": State.WELCOME, "help": "coming"},
        "staff_pin": {"state": State.STAFF_PIN, "message": Message("Mã PIN không đúng.", "Wrong PIN.")},
        "identify": {
            "state": State.IDENTIFY,
            "message": Message(
                "Thẻ đã bị nhấc ra khi đang đọc. Vui lòng giữ yên thẻ và thử lại.",
                "The card was removed while reading. Please keep it still and try again.",
            ),
        },
        "identify_offline": {"state": State.IDENTIFY, "offline": True},
        "keypad": {"state": State.TYPING, "method": "typed"},
        "reading": {"state": State.READING, "method": "card"},
        "reading_qr": {"state": State.READING, "method": "qr"},
        "checking": {"state": State.CHECKING_IN, "method": "card"},
        "confirm": {"state": State.CONFIRM, "identity": identity, "checkin": view},
        "confirm_child": {"state": State.CONFIRM, "method": "typed", "identity": child, "checkin": view},
        "confirm_assisted": {"state": State.CONFIRM, "identity": identity, "checkin": view, "assisted": True},
        "confirm_chip_not_proven": {"state": State.CONFIRM, "identity": not_proven, "checkin": view},
        "insurance": {"state": State.INSURANCE, "identity": identity, "checkin": view},
        "insurance_expired": {"state": State.INSURANCE, "identity": identity, "checkin": expired},
        "insurance_out_of_route": {"state": State.INSURANCE, "identity": identity, "checkin": out_of_route},
        "insurance_offline": {"state": State.INSURANCE, "identity": identity, "checkin": offline},
        "department": {"state": State.DEPARTMENT, "identity": identity, "checkin": view, "departments": departments},
        "ticket": {
            "state": State.TICKET,
            "identity": identity,
            "checkin": view,
            "ticket": ticket,
            "payment": "insurance",
        },
        "ticket_not_printed": {
            "state": State.TICKET,
            "identity": identity,
            "checkin": view,
            "ticket": ticket,
            "payment": "self_pay",
            "print_message": printer_failed,
            "help": "coming",
            "countdown": 12,
        },
        "ticket_provisional": {"state": State.TICKET, "identity": identity, "checkin": view, "ticket": provisional},
        "error": {"state": State.ERROR, "message": error},
        "error_countdown": {"state": State.ERROR, "message": error, "countdown": 9, "help": "failed"},
    }


def _shown(widget) -> bool:
    """Visible to the patient: neither it nor a parent is transparent or folded to no height."""
    while widget is not None and widget.parent is not widget:
        if not widget.opacity or widget.height <= 0:
            return False
        widget = widget.parent
    return True


def _overflowing(widget, window_size):
    """Labels whose text does not fit their box, widgets outside the window, buttons too small to hit."""
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    problems = []
    for child in widget.walk(restrict=True):
        if child.get_root_window() is None or not _shown(child):
            continue
        x, y = child.to_window(*child.pos)
        if x < -1 or y < -1 or x + child.width > window_size[0] + 1 or y + child.height > window_size[1] + 1:
            problems.append(f"{type(child).__name__} outside the window: {getattr(child, 'text', '')[:40]!r}")
        if isinstance(child, Label) and child.text and child.texture_size[0] > child.width + 2:
            problems.append(f"label too wide: {child.text[:40]!r}")
        if isinstance(child, Label) and child.text and child.texture_size[1] > child.height + 2:
            problems.append(f"text cut off at the bottom: {child.text[:40]!r}")
        if isinstance(child, Button) and not child.disabled and child.height < SMALLEST_BUTTON_PX:
            problems.append(f"button smaller than {SMALLEST_BUTTON_PX} px: {child.text[:40]!r}")
    return problems


@pytest.mark.parametrize("orientation", list(SIZES))
@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("text_size", ["normal", "large"])
def test_every_screen_renders_and_fits(orientation, language, text_size, face_jpeg, tmp_path):
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk_app.main import KioskApp
    from kiosk_app.services.checkin import CheckinService
    from kiosk_app.services.outbox import Outbox
    from tests.kiosk_app.fakes import FakeApi, run_now

    Window.size = SIZES[orientation]
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    checkin = CheckinService(FakeApi(), outbox, hospital_code="BV-BACHMAI")
    checkin.refresh()
    # A frozen clock: the app's once-a-second idle tick must not wipe a scene while it is photographed
    # (with the real clock it did, and a "department" screenshot showed the welcome screen).
    app = KioskApp(
        checkin=checkin,
        reader=None,
        auto_sync=False,
        clock=lambda: 1_000.0,
        background=run_now,
        animations=False,
        verify_pin=lambda pin: False,
    )
    app._run_prepare()
    # The offscreen window does not always dispatch on_resize to its children: size the root ourselves.
    app.root.size, app.root.pos = Window.size, (0, 0)
    try:
        OUT.mkdir(parents=True, exist_ok=True)
        prefix = f"{orientation}-{text_size}-{language}"
        for old in OUT.glob(f"{prefix}-*.png"):
            old.unlink()
        problems = {}
        for name, scene in _scenes(face_jpeg).items():
            flow = app.flow
            flow._reset()
            flow.assisted = False
            flow.language, flow.large_text = language, text_size == "large"
            countdown = scene.get("countdown")
            checkin.online = not scene.get("offline")
            for key, value in scene.items():
                if key not in ("countdown", "offline"):
                    setattr(flow, key, value)
            # A countdown scene: the patient was last active just long enough ago (the app's own tick
            # then shows the countdown, as it would on the kiosk).
            flow.last_activity = app.controller.now() - (flow.idle_limit() - countdown if countdown else 0)
            app.show(flow)
            app.controller.tick()
            for _ in range(3):
                EventLoop.idle()
            expected = SCREEN_OF[scene["state"]]
            assert (app.root.current, app.root.current_screen.name) == (expected, expected), name
            assert not app.root.transition.is_active and app.root.children == [app.root.current_screen], name
            path = OUT / f"{prefix}-{name}.png"
            app.root.export_to_png(str(path))
            problems[name] = _overflowing(app.root.current_screen, Window.size)
        assert not any(problems.values()), problems
    finally:
        app.stop()
        Window.remove_widget(app.root)
