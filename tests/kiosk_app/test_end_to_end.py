"""End to end on the real backend (served on 127.0.0.1) and the simulated devices: the demo patient
identifies by chip, by the card's QR and by the app's signed identity QR (verified here against the
backend's JWKS), a child by ID number + date of birth; each gets coverage, chooses a clinic and takes a
ticket printed on the dummy printer. Then the whole app, window and worker threads included."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.health.models import Checkin, QueueTicket
from hardware.printer.ticket import layout_ticket
from kiosk_app.flow import Identity, State
from kiosk_app.services.devices import print_ticket
from kiosk_app.services.simulation import SimulatedDevices
from tests.kiosk_app.kiosk_services import identity_qr_token, kiosk_services
from tests.kiosk_app.live_backend import DEMO_CHILD_DOB, DEMO_CHILD_ID, DEMO_PATIENT_ID, PASSWORD


def identify(services, method):
    if method == "chip":
        return services.reader.identify_by_chip()
    if method == "typed":
        return Identity("id_and_dob", DEMO_CHILD_ID, DEMO_CHILD_DOB)
    return services.reader.identify_by_qr()


@pytest.mark.parametrize("method", ["chip", "cccd_qr", "signed_qr", "typed"])
def test_identify_check_in_choose_and_print(method, live_backend, kiosk_api, tmp_path):
    simulated = SimulatedDevices()
    if method == "signed_qr":
        simulated.qr_payload = identity_qr_token(live_backend.url, DEMO_PATIENT_ID, PASSWORD)
    services = kiosk_services(kiosk_api, tmp_path, simulated=simulated)

    identity = identify(services, method)
    expected_method = "id_and_dob" if method == "typed" else method
    assert identity.method == expected_method
    if method != "typed":
        assert (identity.personal_id, identity.date_of_birth, identity.full_name) == (
            DEMO_PATIENT_ID,
            "1990-01-01",
            "Nguyễn Văn An",
        )
    assert identity.verified_locally is (method in ("chip", "signed_qr"))
    assert (identity.face_jpeg is not None) is (method == "chip")
    if method == "signed_qr":
        assert identity.token_id

    view, departments = services.checkin.check_in(identity)
    assert view.checkin_id and not view.offline
    # The backend verified the evidence itself: the simulated chip answered its challenge.
    levels = {
        "chip": "chip_verified",
        "cccd_qr": "card_data_presented",
        "signed_qr": "app_qr_verified",
        "typed": "details_typed",
    }
    assert live_backend.query(sa.select(Checkin.trust_level).where(Checkin.public_id == view.checkin_id)) == [
        (levels[method],)
    ]
    assert view.trust_level == levels[method]
    child = method == "typed"
    assert view.full_name == ("Nguyễn Minh Khang" if child else "Nguyễn Văn An")
    assert (
        view.personal_id_masked
        == (DEMO_CHILD_ID if child else DEMO_PATIENT_ID)[:4]
        + "******"
        + (DEMO_CHILD_ID if child else DEMO_PATIENT_ID)[-2:]
    )
    # The demo cards are registered at the ward health station: at Bạch Mai (central) that is out of
    # route for an outpatient visit, which the kiosk says plainly.
    assert view.coverage_percent == 0 and "trái tuyến" in view.insurance.vi and view.insurance.en
    assert {"NOI", "NHI", "MAT"} <= {d.code for d in departments if d.open_now}
    department = next(d for d in departments if d.code == "NOI")

    ticket = services.checkin.issue_ticket(identity, view, department)
    assert (ticket.number, ticket.provisional, ticket.existing, ticket.waiting_ahead) == (1, False, False, 0)
    assert ticket.patient_name_masked == ("N. M. Khang" if child else "N. V. An")
    print_ticket(
        services.printer,
        ticket,
        facility_name=services.checkin.facility_name(),
        patient_name=view.full_name,
        personal_id=identity.personal_id,
    )

    [printed] = services.printed
    assert (printed.facility_name, printed.department, printed.queue_number, printed.ticket_id) == (
        "Bệnh viện Bạch Mai",
        "Phòng khám Nội tổng hợp",
        1,
        ticket.ticket_id,
    )
    assert not printed.provisional and printed.insurance_status == ticket.insurance.vi
    lines = [getattr(element, "text", "") for element in layout_ticket(printed)]
    masked_id = view.personal_id_masked
    assert "0001" in lines and f"Số định danh: {masked_id}" in lines
    assert not any(identity.personal_id in line for line in lines)  # the full ID never reaches paper
    paper = services.printer_bytes()
    # ESC @ (init) first, the ticket id in the native QR, GS V (cut) last.
    assert paper.startswith(b"\x1b@") and ticket.ticket_id.encode() in paper and paper.endswith(b"\x1dV\x00")

    [(number, provisional)] = live_backend.query(sa.select(QueueTicket.number, QueueTicket.provisional))
    assert (number, provisional) == (1, False)


def test_the_app_window_runs_the_whole_check_in_with_its_worker_threads(live_backend, kiosk_api, tmp_path):
    """The real KioskApp: taps go through the controller, the card is read and the API called on worker
    threads, results come back on the Kivy main thread. Time is the Kivy clock's."""
    from kivy.base import EventLoop
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk_app.main import KioskApp

    services = kiosk_services(kiosk_api, tmp_path)
    Window.size = (1080, 1920)
    app = KioskApp(checkin=services.checkin, reader=services.reader, printer=services.printer, auto_sync=False)
    app._run_prepare()
    app.root.size, app.root.pos = Window.size, (0, 0)

    def pump_until(condition, within_s=30.0):  # generous: CI machines are shared
        deadline = Clock.get_boottime() + within_s
        while not condition():
            assert Clock.get_boottime() < deadline, f"still {app.flow.state} after {within_s} s"
            EventLoop.idle()

    try:
        controller, flow = app.controller, app.flow
        controller.start("en")
        controller.choose_method("card")
        assert app.root.current == "reading"  # with the picture of where the QR and the card go
        pump_until(lambda: flow.state is State.CONFIRM)
        confirm = app.root.get_screen("confirm")
        assert (confirm.full_name, confirm.masked_id) == ("Nguyễn Văn An", "0010******45")
        assert confirm.face is not None  # the chip's photo
        controller.confirm()
        # The demo patient's card is registered elsewhere: said in words, and an insured visit is not offered.
        insurance = app.root.get_screen("insurance")
        assert insurance.headline == "Not your registered clinic — insurance does not pay for this visit"
        assert not insurance.insured_allowed
        controller.accept_insurance()
        assert app.root.current == "insurance"
        controller.choose_payment("self_pay")
        assert app.root.current == "department"
        controller.choose_department("NOI")
        pump_until(lambda: flow.state is State.TICKET and services.printed)
        ticket_screen = app.root.get_screen("ticket")
        assert (ticket_screen.number, ticket_screen.provisional) == ("0001", False)
        assert (ticket_screen.clinic, ticket_screen.place) == (
            "General internal medicine",
            "Go to: Floor 2, Building A",
        )
        assert ticket_screen.patient.endswith("Self-paid visit")
        assert services.printed[0].queue_number == 1
        controller.finish()
        assert app.root.current == "welcome" and not flow.holds_personal_data
        assert (confirm.full_name, ticket_screen.number, ticket_screen.qr) == ("", "", None)
    finally:
        app.stop()
        Window.remove_widget(app.root)
