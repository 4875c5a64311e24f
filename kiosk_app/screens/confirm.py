"""Confirm identity: name, masked ID, the face photo when the chip was read, and a small staff line with
the trust level of the identification."""

import io

from kivy.core.image import Image as CoreImage
from kivy.properties import ObjectProperty, StringProperty

from kiosk_app.chip_trust import trust_key
from kiosk_app.screens.base import KioskScreen


class ConfirmScreen(KioskScreen):
    full_name = StringProperty("")
    masked_id = StringProperty("")
    face = ObjectProperty(None, allownone=True)
    trust_key = StringProperty("")  # texts.py key of the staff line: how the identity was proven

    def show(self, flow) -> None:
        self.trust_key = trust_key(flow.identity)
        self.full_name = flow.checkin.full_name if flow.checkin else ""
        self.masked_id = flow.checkin.personal_id_masked if flow.checkin else ""
        jpeg = flow.identity.face_jpeg if flow.identity else None
        self.face = CoreImage(io.BytesIO(jpeg), ext="jpg").texture if jpeg else None

    def clear(self) -> None:
        self.full_name = self.masked_id = self.trust_key = ""
        self.face = None
