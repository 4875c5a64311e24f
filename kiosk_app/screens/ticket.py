"""The ticket: the number, large; its QR; provisional marking when offline; then back to welcome."""

import io

import segno
from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk_app.screens.base import KioskScreen
from kiosk_app.texts import location_text, text
from shared_schemas.text import queue_number_text


class TicketScreen(KioskScreen):
    number = StringProperty("")
    department = StringProperty("")
    patient = StringProperty("")
    insurance = StringProperty("")
    notes = StringProperty("")
    provisional = BooleanProperty(False)
    qr = ObjectProperty(None, allownone=True)

    def show(self, flow) -> None:
        ticket, lang = flow.ticket, flow.language
        if ticket is None:
            return
        self.number = queue_number_text(ticket.number, provisional=ticket.provisional)
        self.department = ticket.department.name if lang == "vi" else ticket.department.name_en
        if ticket.department.location:
            self.department += f" — {location_text(ticket.department.location, lang)}"
        self.patient = ticket.patient_name_masked
        self.insurance = ticket.insurance.text(lang)
        self.provisional = ticket.provisional
        notes = []
        if ticket.provisional:
            notes.append(text("ticket_provisional", lang))
        if ticket.existing:
            notes.append(text("ticket_existing", lang))
        if ticket.waiting_ahead is not None:
            notes.append(text("ticket_ahead", lang, n=ticket.waiting_ahead))
        notes.append(flow.print_message.text(lang) if flow.print_message else text("ticket_take", lang))
        self.notes = "\n".join(notes)
        png = io.BytesIO()
        segno.make(ticket.ticket_id, error="m").save(png, kind="png", scale=8, border=2)
        png.seek(0)
        self.qr = CoreImage(png, ext="png").texture
        self.qr.mag_filter = "nearest"

    def clear(self) -> None:
        self.number = self.department = self.patient = self.insurance = self.notes = ""
        self.qr = None
