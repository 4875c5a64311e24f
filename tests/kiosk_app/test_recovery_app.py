"""Account recovery in the real Kivy window (offscreen SDL): the welcome screen's button, in portrait and
landscape, opens the recovery screen; its one button runs the attempt with the recovery devices injected; "Xong"
and "Huỷ" go back to the welcome screen with the photo gone from the widgets; a fleet lock ends a recovery.
Screenshots: $CONGDAN_SCREENSHOTS/recovery-app-*.png."""

from __future__ import annotations

import pytest

from tests.kiosk_app.test_recovery_controller import ATTEMPT, CODE, NEEDS_STAFF, FakeRecoveryApi
from tests.kiosk_app.test_screens import OUT, SIZES, _overflowing, _shown


def _app(tmp_path, api, size):
    from kivy.core.window import Window

    from kiosk_app.main import KioskApp
    from kiosk_app.services.checkin import CheckinService
    from kiosk_app.services.outbox import Outbox
    from tests.kiosk_app.fakes import FakeApi, run_now

    Window.size = size
    checkin = CheckinService(FakeApi(), Outbox(tmp_path / "outbox.sqlite3"), hospital_code="BV-BACHMAI")
    checkin.refresh()
    reads = []

    def read_chip(attempt):
        reads.append(attempt)
        return {"sod": "c29k"}, None

    app = KioskApp(
        checkin=checkin,
        reader=None,
        auto_sync=False,
        clock=lambda: 1_000.0,
        background=run_now,
        animations=False,
        recovery_devices=(read_chip, lambda attempt: [b"f1", b"f2", b"f3"]),
    )
    app.recovery.api = api
    app._run_prepare()
    app.root.size, app.root.pos = Window.size, (0, 0)
    return app, reads


def _button(screen, text: str):
    from kivy.uix.button import Button

    found = [
        w
        for w in screen.walk(restrict=True)
        if isinstance(w, Button) and w.text.startswith(text) and _shown(w) and not w.disabled
    ]
    assert len(found) == 1, [w.text for w in screen.walk(restrict=True) if isinstance(w, Button)]
    return found[0]


def _idle():
    from kivy.base import EventLoop

    for _ in range(3):
        EventLoop.idle()


@pytest.mark.parametrize("orientation", list(SIZES))
def test_the_welcome_buttons_recovery_reaches_the_qr_and_done_goes_back(orientation, tmp_path):
    from kivy.core.window import Window

    api = FakeRecoveryApi({"status": "code_issued", "recovery_code": CODE})
    app, reads = _app(tmp_path, api, SIZES[orientation])
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        _idle()
        welcome = app.root.get_screen("welcome")
        button = _button(welcome, "Khôi phục tài khoản / Recover account")
        assert _shown(button) and not button.disabled
        assert not _overflowing(welcome, Window.size)
        app.root.export_to_png(str(OUT / f"recovery-app-{orientation}-welcome.png"))

        button.dispatch("on_release")
        _idle()
        screen = app.root.get_screen("recovery")
        assert app.root.current == "recovery" and screen.title_vi == "Khôi phục tài khoản"
        app.controller.tick()  # the check-in flow's tick leaves the recovery on screen
        assert app.root.current == "recovery"

        _button(screen, "Bắt đầu").dispatch("on_release")
        _idle()
        assert reads == [ATTEMPT] and screen.has_picture and screen.button_vi == "Xong"
        app.root.export_to_png(str(OUT / f"recovery-app-{orientation}-code.png"))
        assert not _overflowing(screen, Window.size)

        _button(screen, "Xong").dispatch("on_release")
        assert app.root.current == "welcome" and screen.picture is None and not app.recovery.active
    finally:
        _idle()  # layout work still scheduled for this app's widgets runs while the app is alive
        app.stop()
        Window.remove_widget(app.root)


def test_cancel_on_the_staff_screen_and_a_fleet_lock_both_end_the_recovery(tmp_path):
    from kivy.core.window import Window

    app, _reads = _app(tmp_path, FakeRecoveryApi(NEEDS_STAFF), SIZES["portrait"])
    try:
        app.recovery.open()
        app.recovery.press()
        screen = app.root.get_screen("recovery")
        assert app.root.current == "recovery" and screen.button_vi == "Huỷ"
        _button(screen, "Huỷ").dispatch("on_release")
        assert app.root.current == "welcome" and app.recovery.flow.chip_photo is None and screen.body_vi == ""

        app.recovery.open()  # pressed by mistake: "Huỷ" under "Bắt đầu" goes straight back
        _button(screen, "Huỷ").dispatch("on_release")
        assert app.root.current == "welcome" and not app.recovery.active

        app.recovery.open()
        app.recovery.press()
        app.lock("Bảo trì / Maintenance")
        assert app.root.current == "locked" and not app.recovery.active and app.recovery.flow.evidence is None
        app.recovery.tick()
        assert app.root.current == "locked"
    finally:
        _idle()  # layout work still scheduled for this app's widgets runs while the app is alive
        app.stop()
        Window.remove_widget(app.root)
