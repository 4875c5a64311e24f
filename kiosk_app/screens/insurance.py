"""Insurance in plain words (kiosk_app.insurance_words), then the choice: "Khám BHYT" or "Khám dịch vụ
(tự chi trả)", each with what happens next."""

from kivy.properties import BooleanProperty, StringProperty

from kiosk_app import insurance_words as words
from kiosk_app.screens.base import KioskScreen


class InsuranceScreen(KioskScreen):
    headline = StringProperty("")
    detail = StringProperty("")
    offline = BooleanProperty(False)
    insured_allowed = BooleanProperty(True)
    insured_next = StringProperty("")
    self_paid_next = StringProperty("")

    def show(self, flow) -> None:
        view, lang = flow.checkin, flow.language
        self.headline = words.headline(view).text(lang)
        self.detail = words.detail(view).text(lang)
        self.offline = bool(view and view.offline)
        self.insured_allowed = flow.insurance_usable
        self.insured_next = (words.NEXT_INSURED if self.insured_allowed else words.NO_INSURED_VISIT).text(lang)
        self.self_paid_next = words.NEXT_SELF_PAID.text(lang)

    def clear(self) -> None:
        self.headline = self.detail = ""
