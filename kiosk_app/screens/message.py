"""Busy (reading, checking, issuing) and error messages, with a way back."""

from kivy.properties import BooleanProperty, StringProperty

from kiosk_app.screens.base import KioskScreen

BUSY_TEXT = {"reading": "reading", "checking_in": "checking", "issuing": "issuing"}


class MessageScreen(KioskScreen):
    title_key = StringProperty("error_title")
    body = StringProperty("")
    busy = BooleanProperty(False)

    def show(self, flow) -> None:
        state = flow.state.value
        self.busy = state in BUSY_TEXT
        if self.busy:
            self.title_key = BUSY_TEXT[state]
            self.body = ""
        else:
            self.title_key = "error_title"
            self.body = flow.message.text(flow.language) if flow.message else ""

    def clear(self) -> None:
        self.body = ""
