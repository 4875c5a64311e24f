"""On-screen keypad for the ID number and date of birth (children under 14 have no chip card)."""

from kivy.properties import StringProperty

from kiosk_app.screens.base import KioskScreen


class KeypadScreen(KioskScreen):
    personal_id = StringProperty("")
    date_of_birth = StringProperty("")  # digits DDMMYYYY as typed
    field = StringProperty("personal_id")
    notice = StringProperty("")

    def show(self, flow) -> None:
        self.notice = flow.message.text(flow.language) if flow.message else ""

    def press(self, key: str) -> None:
        limit = 12 if self.field == "personal_id" else 8
        value = getattr(self, self.field)
        if key == "del":  # one digit: a typing mistake costs one tap, not the whole number
            value = value[:-1]
        elif key == "clear":
            value = ""
        elif len(value) < limit:
            value += key
        setattr(self, self.field, value)
        if self.field == "personal_id" and len(value) == 12:
            self.field = "date_of_birth"

    @staticmethod
    def shown_date(digits: str) -> str:
        parts = [digits[0:2], digits[2:4], digits[4:8]]
        return "/".join(p for p in parts if p) or "__/__/____"

    def iso_date(self) -> str:
        d = self.date_of_birth
        return f"{d[4:8]}-{d[2:4]}-{d[0:2]}" if len(d) == 8 else ""

    def clear(self) -> None:
        self.personal_id = self.date_of_birth = self.notice = ""
        self.field = "personal_id"
