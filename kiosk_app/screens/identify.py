"""Identify: chip card, QR code, or typed ID number + date of birth (children). Offline, the QR button
says which QR still works (the app's signed QR), so the offline message never contradicts the choice."""

from kivy.properties import BooleanProperty, StringProperty

from kiosk_app.screens.base import KioskScreen


class IdentifyScreen(KioskScreen):
    notice = StringProperty("")
    online = BooleanProperty(True)

    def show(self, flow) -> None:
        from kivy.app import App

        self.notice = flow.message.text(flow.language) if flow.message else ""
        app = App.get_running_app()
        self.online = bool(getattr(app.controller.checkin, "online", True)) if app else True
