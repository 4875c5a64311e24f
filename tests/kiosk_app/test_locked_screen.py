"""The out-of-service screen in the real Kivy window (offscreen SDL): a fleet lock shows it over any screen,
a tap on it changes nothing but the idle timer, unlock brings back the welcome screen. The screenshot is
saved under tests/kiosk_app/screenshots/out/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).parent / "screenshots" / "out"


def test_locked_screen_renders_vietnamese_first_and_taps_reset_the_idle_timer(tmp_path):
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from kiosk_app.flow import State
    from kiosk_app.main import KioskApp
    from kiosk_app.services.checkin import CheckinService
    from kiosk_app.services.outbox import Outbox
    from tests.kiosk_app.fakes import FakeApi, run_now
    from tests.kiosk_app.test_screens import _overflowing

    Window.size = (1080, 1920)
    checkin = CheckinService(FakeApi(), Outbox(tmp_path / "outbox.sqlite3"), hospital_code="BV-BACHMAI")
    checkin.refresh()
    now = [1_000.0]
    app = KioskApp(checkin=checkin, reader=None, auto_sync=False, clock=lambda: now[0], background=run_now)
    app._run_prepare()
    app.root.size, app.root.pos = Window.size, (0, 0)
    try:
        app.controller.start("vi")
        assert app.root.current == "identify"
        now[0] += 30
        touch = UnitTestTouch(540, 960)  # a tap anywhere: the patient is still there
        touch.touch_down()
        touch.touch_up()
        assert app.flow.last_activity == 1_030.0

        app.lock("Đang bảo trì máy in — Printer maintenance")
        app.update_status(checkin)
        for _ in range(3):
            EventLoop.idle()
        assert app.root.current == "locked" and app.flow.state is State.WELCOME
        OUT.mkdir(parents=True, exist_ok=True)
        app.root.export_to_png(str(OUT / "portrait-locked.png"))
        assert not _overflowing(app.root.current_screen, Window.size)

        touch = UnitTestTouch(540, 400)  # nothing on the locked screen can be pressed
        touch.touch_down()
        touch.touch_up()
        assert app.root.current == "locked"

        app.unlock()
        EventLoop.idle()
        assert app.root.current == "welcome"
    finally:
        app.stop()
        Window.remove_widget(app.root)
