"""Staff PIN: a member of staff beside the patient turns on assisted mode (skip the welcome, type for the
patient, see the trust level). The digits live in this widget only and are wiped on every exit."""

from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen


class StaffPinScreen(KioskScreen):
    pin = StringProperty("")
    notice = StringProperty("")

    def show(self, flow) -> None:
        self.pin = ""
        self.notice = flow.message.text(flow.language) if flow.message else ""

    def press(self, key: str) -> None:
        if key == "del":
            self.pin = self.pin[:-1]
        elif key == "clear":
            self.pin = ""
        elif len(self.pin) < 12:
            self.pin += key

    def submit(self) -> None:
        from kivy.app import App

        pin, self.pin = self.pin, ""
        App.get_running_app().controller.submit_pin(pin)

    def clear(self) -> None:
        self.pin = self.notice = ""
