"""The account-recovery screen: one RecoveryView (kiosk_app/recovery_flow.py) at a time - Vietnamese large,
English below, the one-time QR or (for staff) the chip photo, and one button. Self-contained: it needs no
check-in state, so the recovery flow can run beside the check-in."""

from __future__ import annotations

import io

from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk_app.screens.base import KioskScreen


def _texture(data: bytes, ext: str):
    return CoreImage(io.BytesIO(data), ext=ext).texture


def qr_png(text: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=12, border=2)
    return out.getvalue()


CANCELLABLE = ("intro", "reading_card", "face", "checking")


class RecoveryScreen(KioskScreen):
    title_vi = StringProperty("")
    title_en = StringProperty("")
    body_vi = StringProperty("")
    body_en = StringProperty("")
    button_vi = StringProperty("")
    button_en = StringProperty("")
    staff_line = StringProperty("")
    picture = ObjectProperty(None, allownone=True)
    has_picture = BooleanProperty(False)
    can_cancel = BooleanProperty(False)  # before the backend's answer the main button is "start" or absent
    text_scale = NumericProperty(1.0)  # 1.3 in large-text mode, as the check-in screens

    def show_view(self, view) -> None:
        self.title_vi, self.title_en = view.title_vi, view.title_en
        self.body_vi, self.body_en = view.body_vi, view.body_en
        self.button_vi, self.button_en = view.button_vi, view.button_en
        self.staff_line = view.staff_line
        self.can_cancel = view.state in CANCELLABLE
        if view.qr_text:
            self.picture = _texture(qr_png(view.qr_text), "png")
        elif view.photo_jpeg:
            self.picture = _texture(view.photo_jpeg, "jpg")
        else:
            self.picture = None
        self.has_picture = self.picture is not None

    def clear(self) -> None:
        """The chip photo and the code leave the widgets with the attempt."""
        self.picture, self.has_picture = None, False
        self.body_vi = self.body_en = self.staff_line = ""
        self.can_cancel = False
