"""Reading: the card or the QR, with the picture of this kiosk model showing where each goes (the chip
method takes two physical steps: the QR on the back of the card to the camera, then the card on the reader)."""

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk_app.screens.base import KioskScreen
from kiosk_app.texts import text


class ReadingScreen(KioskScreen):
    method = StringProperty("card")
    first_step = StringProperty("")
    second_step = StringProperty("")
    model = ObjectProperty(None, allownone=True)  # kiosk_models.KioskModel, set by the app
    animate = BooleanProperty(True)

    def show(self, flow) -> None:
        from kivy.app import App

        app = App.get_running_app()
        self.model = getattr(app, "kiosk_model", None)
        self.animate = getattr(app, "animations", True)
        lang, model = flow.language, self.model
        camera = model.camera_place.text(lang) if model else text("camera", lang)
        reader = model.reader_place.text(lang) if model else text("reader", lang)
        self.method = "card" if flow.method == "card" else "qr"
        if self.method == "card":
            self.first_step = text("reading_card_1", lang).format(camera=camera)
            self.second_step = text("reading_card_2", lang).format(reader=reader)
        else:
            self.first_step, self.second_step = text("reading_qr", lang).format(camera=camera), ""
        self.ids.guide.start()

    def on_leave(self, *_args) -> None:
        self.ids.guide.stop()
