"""The picture of where the QR and the card go on this kiosk model: the front of the kiosk (from
kiosk_app.kiosk_models) with the camera and the reader lit in the order they are used, and a card that moves
to each of them in turn (`animate=False` holds it still for screenshots). The card moves in 12 steps a
second, not at the display's 60: every step redraws the window, and a kiosk's graphics are often weak (in
software rendering a 60 fps glide took the CPU the card read needed and tripled the check-in time)."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

BODY = (0.80, 0.83, 0.86, 1)
EDGE = (0.30, 0.33, 0.37, 1)
SCREEN = (0.12, 0.16, 0.22, 1)
LIT = (0.0, 0.62, 0.45, 1)  # the part to use now
NEXT = (0.95, 0.62, 0.10, 1)
CARD = (0.93, 0.80, 0.35, 1)
CARD_RATIO = 85.6 / 54.0  # ID-1 card
STEPS_PER_S = 6
GLIDE_S = 2.4  # from the side of the kiosk to a part
PAUSE_S = 1.2  # resting on the last part before starting again


class DeviceGuide(Widget):
    model = ObjectProperty(None, allownone=True)  # kiosk_models.KioskModel
    method = StringProperty("card")  # card: QR on the back to the camera, then the card on the reader
    progress = NumericProperty(0.0)  # 0..1 towards the camera, 1..2 towards the reader (card method)
    animate = BooleanProperty(True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._ticker = None
        self.bind(
            pos=self._draw,
            size=self._draw,
            model=self._draw,
            method=self._restart,
            progress=self._draw,
            animate=self._restart,
        )

    def start(self) -> None:
        self._restart()

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _end(self) -> float:
        return 2.0 if self.method == "card" else 1.0

    def _restart(self, *_args) -> None:
        self.stop()
        if not self.animate:
            self.progress = self._end() - 0.05  # the card almost at its last place: the picture says where
            return
        self._elapsed = 0.0
        self.progress = 0.0
        self._ticker = Clock.schedule_interval(self._advance, 1 / STEPS_PER_S)

    def _advance(self, dt: float) -> None:
        end = self._end()
        self._elapsed = (self._elapsed + dt) % (GLIDE_S * end + PAUSE_S)
        self.progress = min(end, self._elapsed / GLIDE_S)

    def _front(self) -> tuple[float, float, float, float]:
        aspect = self.model.aspect if self.model else 0.5
        height = min(self.height, self.width / (aspect * 1.7))  # room beside the front for the card
        width = height * aspect
        return self.center_x - width / 2, self.y + (self.height - height) / 2, width, height

    def _part(self, box, front):
        fx, fy, fw, fh = front
        x, y, w, h = box
        return fx + x * fw, fy + y * fh, w * fw, h * fh

    def _draw(self, *_args) -> None:
        self.canvas.clear()
        if self.model is None or self.width < 10 or self.height < 10:
            return
        front = self._front()
        camera, reader = self._part(self.model.camera, front), self._part(self.model.reader, front)
        printer, screen = self._part(self.model.printer, front), self._part(self.model.screen, front)
        phase = min(int(self.progress), 1) if self.method == "card" else 0
        with self.canvas:
            Color(*BODY)
            RoundedRectangle(pos=front[:2], size=front[2:], radius=[front[2] * 0.06])
            Color(*EDGE)
            Line(rounded_rectangle=(*front, front[2] * 0.06), width=2)
            Color(*SCREEN)
            Rectangle(pos=screen[:2], size=screen[2:])
            Color(*EDGE)
            Rectangle(pos=printer[:2], size=printer[2:])
            Color(*(LIT if phase == 0 else BODY))
            Ellipse(pos=camera[:2], size=camera[2:])
            Color(*EDGE)
            Line(ellipse=(*camera[:2], *camera[2:]), width=2)
            if self.method == "card":
                Color(*(LIT if phase == 1 else NEXT))
                RoundedRectangle(pos=reader[:2], size=reader[2:], radius=[reader[3] * 0.2])
                Color(*EDGE)
                Line(rounded_rectangle=(*reader, reader[3] * 0.2), width=2)
            self._draw_card(front, camera if phase == 0 else reader, self.progress - phase)

    def _draw_card(self, front, target, fraction: float) -> None:
        fraction = max(0.0, min(1.0, fraction))
        height = front[3] * 0.09
        width = height * CARD_RATIO
        start_x, start_y = front[0] + front[2] + width * 0.2, front[1] + front[3] * 0.05
        end_x = target[0] + target[2] / 2 - width / 2
        end_y = target[1] + target[3] / 2 - height / 2
        x = start_x + (end_x - start_x) * fraction
        y = start_y + (end_y - start_y) * fraction
        with self.canvas:
            Color(0, 0, 0, 0.25)
            RoundedRectangle(pos=(x + 4, y - 4), size=(width, height), radius=[height * 0.1])
            Color(*CARD)
            RoundedRectangle(pos=(x, y), size=(width, height), radius=[height * 0.1])
            Color(*EDGE)
            Line(rounded_rectangle=(x, y, width, height, height * 0.1), width=1.5)
