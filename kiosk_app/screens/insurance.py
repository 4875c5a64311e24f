"""Insurance status and coverage, stated plainly."""

from kivy.properties import BooleanProperty, StringProperty

from kiosk_app.screens.base import KioskScreen


class InsuranceScreen(KioskScreen):
    statement = StringProperty("")
    percent = StringProperty("")
    offline = BooleanProperty(False)

    def show(self, flow) -> None:
        view = flow.checkin
        self.statement = view.insurance.text(flow.language) if view else ""
        self.percent = f"{view.coverage_percent}%" if view and view.coverage_percent is not None else "—"
        self.offline = bool(view and view.offline)

    def clear(self) -> None:
        self.statement = self.percent = ""
