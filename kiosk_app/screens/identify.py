"""Identify: chip card, QR code, or typed ID number + date of birth (children)."""

from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen


class IdentifyScreen(KioskScreen):
    notice = StringProperty("")

    def show(self, flow) -> None:
        self.notice = flow.message.text(flow.language) if flow.message else ""
