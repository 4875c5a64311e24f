"""KioskApp: wires the flow, the services and the devices into the screens. The controller turns flow
states into background work (device reads, API calls, printing) and worker results back into events."""

from __future__ import annotations

import logging
import time

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk_app.flow import CheckinFlow, Message, State
from kiosk_app.screens import ALL_SCREENS, load_layouts
from kiosk_app.services.checkin import CheckinRefused, CheckinService
from kiosk_app.services.devices import IdentityReader, patient_message, print_ticket
from kiosk_app.services.workers import run_in_background
from kiosk_app.texts import text

log = logging.getLogger(__name__)

SCREEN_OF = {
    State.WELCOME: "welcome", State.IDENTIFY: "identify", State.TYPING: "keypad", State.READING: "message",
    State.CHECKING_IN: "message", State.ISSUING: "message", State.ERROR: "message", State.CONFIRM: "confirm",
    State.INSURANCE: "insurance", State.DEPARTMENT: "department", State.TICKET: "ticket",
}
SYNC_EVERY_S = 15.0


class Controller:
    """What the screens call. Every patient action also counts as activity for the idle timer."""

    def __init__(self, app: KioskApp, flow: CheckinFlow, checkin: CheckinService, reader: IdentityReader,
                 printer, *, clock=time.monotonic, background=run_in_background) -> None:
        self.app, self.flow, self.checkin, self.reader, self.printer = app, flow, checkin, reader, printer
        self.clock, self.background = clock, background
        self._syncing = False

    def now(self) -> float:
        return self.clock()

    # --- patient actions ------------------------------------------------------------------------------
    def start(self, language: str) -> None:
        self.flow.start(language, now=self.now())

    def toggle_language(self) -> None:
        self.flow.toggle_language(now=self.now())

    def choose_method(self, method: str) -> None:
        self.flow.choose_method(method, now=self.now())

    def submit_typed(self, personal_id: str, date_of_birth: str) -> None:
        self.flow.submit_typed(personal_id, date_of_birth, now=self.now())

    def confirm(self) -> None:
        self.flow.confirm(now=self.now())

    def accept_insurance(self) -> None:
        self.flow.accept_insurance(now=self.now())

    def choose_department(self, code: str) -> None:
        self.flow.choose_department(code, now=self.now())

    def back(self) -> None:
        self.flow.back(now=self.now())

    def cancel(self) -> None:
        self.flow.cancel()

    def finish(self) -> None:
        self.flow.finish()

    # --- state -> work --------------------------------------------------------------------------------
    def on_flow_change(self, flow: CheckinFlow) -> None:
        self.app.show(flow)
        state = flow.state
        if state is State.READING:
            work = self.reader.identify_by_chip if flow.method == "card" else self.reader.identify_by_qr
            self.background(work, lambda identity: flow.identified(identity, now=self.now()),
                            lambda exc: flow.identify_failed(patient_message(exc), now=self.now()))
        elif state is State.CHECKING_IN:
            identity = flow.identity
            self.background(lambda: self.checkin.check_in(identity),
                            lambda result: flow.checked_in(*result, now=self.now()),
                            lambda exc: flow.checkin_failed(self._message(exc), now=self.now()))
        elif state is State.ISSUING:
            identity, view, department = flow.identity, flow.checkin, flow.chosen_department
            self.background(lambda: self.checkin.issue_ticket(identity, view, department),
                            self._issued, lambda exc: flow.ticket_failed(self._message(exc), now=self.now()))

    def _issued(self, ticket) -> None:
        flow = self.flow
        identity, name = flow.identity, flow.checkin.full_name if flow.checkin else ""
        flow.ticket_issued(ticket, now=self.now())
        if self.printer is not None and identity is not None:
            facility = self.checkin.facility_name()
            self.background(lambda: print_ticket(self.printer, ticket, facility_name=facility,
                                                 patient_name=name, personal_id=identity.personal_id),
                            lambda _none: None, lambda exc: flow.print_failed(patient_message(exc)))

    @staticmethod
    def _message(exc: BaseException) -> Message:
        return exc.message if isinstance(exc, CheckinRefused) else patient_message(exc)

    # --- clock ----------------------------------------------------------------------------------------
    def tick(self, _dt=None) -> None:
        self.flow.tick(now=self.now())

    def sync(self, _dt=None) -> None:
        """Send offline check-ins (and refresh the cached reference data) when the backend is back."""
        if self._syncing:
            return
        self._syncing = True

        def work():
            online = self.checkin.refresh()
            return self.checkin.sync() if online else 0

        def done(_result):
            self._syncing = False
            self.app.update_status(self.checkin)

        def failed(exc):
            self._syncing = False
            log.warning("sync failed: %s", exc)

        self.background(work, done, failed)


class KioskApp(App):
    lang = StringProperty("vi")
    hospital_name = StringProperty("")
    status_line = StringProperty("")
    title = "congdan — ki-ốt tiếp đón"

    def __init__(self, *, checkin: CheckinService, reader: IdentityReader, printer=None,
                 idle_timeout_s: float = 60.0, auto_sync: bool = True, clock=time.monotonic,
                 background=run_in_background, **kwargs) -> None:
        super().__init__(**kwargs)
        # The flow's idle timer and the controller read the same clock (tests pass a fake one).
        self.flow = CheckinFlow(idle_timeout_s=idle_timeout_s, now=clock())
        self.controller = Controller(self, self.flow, checkin, reader, printer, clock=clock,
                                     background=background)
        self.flow.on_change = self.controller.on_flow_change
        self.auto_sync = auto_sync
        self.hospital_name = checkin.facility_name()

    def t(self, key: str, language: str) -> str:
        return text(key, language)

    def build(self):
        load_layouts()
        manager = ScreenManager(transition=NoTransition())
        for screen_class in ALL_SCREENS:
            manager.add_widget(screen_class())
        Clock.schedule_interval(self.controller.tick, 1.0)
        if self.auto_sync:
            self.controller.sync()
            Clock.schedule_interval(self.controller.sync, SYNC_EVERY_S)
        return manager

    def show(self, flow: CheckinFlow) -> None:
        """Put the flow on screen; when it holds no personal data, wipe every screen's widgets too."""
        self.lang = flow.language
        manager = self.root
        if manager is None:
            return
        name = SCREEN_OF[flow.state]
        if not flow.holds_personal_data:
            for screen in manager.screens:
                screen.clear()
        manager.get_screen(name).show(flow)
        manager.current = name

    def update_status(self, checkin: CheckinService) -> None:
        self.hospital_name = checkin.facility_name()
        pending = checkin.outbox.pending_count()
        state = "Trực tuyến / Online" if checkin.online else "Ngoại tuyến / Offline"
        self.status_line = f"{state}" + (f" · {pending} chờ đồng bộ / waiting to sync" if pending else "")


def build_app(config) -> KioskApp:
    """The app on the configured backend and devices (simulators unless configured otherwise)."""
    from kiosk_app.services.api import ApiClient
    from kiosk_app.services.devices import Devices
    from kiosk_app.services.outbox import Outbox

    config.data_dir.mkdir(parents=True, exist_ok=True)
    outbox = Outbox(config.data_dir / "outbox.sqlite3")
    api = ApiClient(config.api_url, config.username, config.password)
    checkin = CheckinService(api, outbox, hospital_code=config.hospital_code)
    hardware = config.hardware
    from kiosk_app.services.simulation import SimulatedDevices

    simulated = SimulatedDevices()  # used only for the devices configured as "simulator"
    open_camera = simulated.open_camera if hardware.camera.kind == "simulator" else hardware.open_camera
    if hardware.card_reader.kind == "simulator":
        open_card, trust_store = simulated.open_card_transport, simulated.trust_store
    else:
        from hardware.smartcard import TrustStore

        open_card = hardware.open_card_reader
        trust_store = TrustStore.from_directory(config.csca_dir) if config.csca_dir else None
    devices = Devices(open_camera, open_card, trust_store, hardware.open_printer(), checkin.jwks)
    return KioskApp(checkin=checkin, reader=IdentityReader(devices), printer=devices.printer,
                    idle_timeout_s=config.idle_timeout_s)


def run(*, smoke: bool = False) -> int:
    """Start the kiosk. `smoke`: build the app on the configured backend and devices, draw two frames
    and exit 0 (a start-up check for deployments and CI, no patient needed)."""
    from kivy.core.window import Window

    from kiosk_app.config import KioskConfig

    config = KioskConfig.from_environment()
    Window.size = config.window_size
    app = build_app(config)
    frames = []

    def count_frame(*_args) -> None:
        frames.append(1)
        if smoke and len(frames) >= 2:
            app.stop()

    Window.bind(on_flip=count_frame)
    app.run()
    if smoke:
        log.info("smoke run: %d frames drawn, screen %s", len(frames), app.root.current if app.root else None)
        return 0 if frames and app.root is not None and app.root.current == "welcome" else 1
    return 0
