"""The ticket: clinic name, the number (very large), where to go, people ahead and an estimated wait, its
QR for staff scanners, and provisional marking when offline. When printing fails, the screen stays longer
and says, large and first, what to do instead of taking the slip."""

import io

import segno
from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk_app.insurance_words import PAYMENT_ON_TICKET
from kiosk_app.screens.base import KioskScreen
from kiosk_app.texts import location_text, text
from shared_schemas.text import queue_number_text

DEFAULT_MINUTES_PER_PATIENT = 7


class TicketScreen(KioskScreen):
    number = StringProperty("")
    clinic = StringProperty("")
    place = StringProperty("")
    queue = StringProperty("")
    patient = StringProperty("")
    alert = StringProperty("")
    notes = StringProperty("")
    provisional = BooleanProperty(False)
    qr = ObjectProperty(None, allownone=True)

    def show(self, flow) -> None:
        from kivy.app import App

        ticket, lang = flow.ticket, flow.language
        if ticket is None:
            return
        per_patient = getattr(App.get_running_app(), "minutes_per_patient", DEFAULT_MINUTES_PER_PATIENT)
        department = ticket.department
        self.number = queue_number_text(ticket.number, provisional=ticket.provisional)
        self.clinic = department.name if lang == "vi" else department.name_en
        where = location_text(department.location, lang)
        self.place = text("ticket_go", lang).format(place=where) if where else ""
        if ticket.waiting_ahead is None:
            self.queue = text("ticket_wait_unknown", lang)
        else:
            self.queue = (
                text("ticket_ahead", lang, n=ticket.waiting_ahead)
                + "\n"
                + text("ticket_wait", lang, minutes=max(1, ticket.waiting_ahead * per_patient))
            )
        payment = PAYMENT_ON_TICKET.get(flow.payment or "")
        self.patient = " · ".join(p for p in (ticket.patient_name_masked, payment.text(lang) if payment else "") if p)
        self.provisional = ticket.provisional
        self.alert = (
            text("ticket_not_printed", lang).format(
                number=self.number, place=f"{self.clinic}" + (f" — {where}" if where else "")
            )
            if flow.print_message
            else ""
        )
        notes = []
        if ticket.provisional:
            notes.append(text("ticket_provisional", lang))
        if ticket.existing:
            notes.append(text("ticket_existing", lang))
        if not flow.print_message:
            notes.append(text("ticket_take", lang))
        self.notes = "\n".join(notes)
        png = io.BytesIO()
        segno.make(ticket.ticket_id, error="m").save(png, kind="png", scale=8, border=2)
        png.seek(0)
        self.qr = CoreImage(png, ext="png").texture
        self.qr.mag_filter = "nearest"

    def clear(self) -> None:
        self.number = self.clinic = self.place = self.queue = self.patient = self.alert = self.notes = ""
        self.qr = None
