"""KioskApp: wires the flow, the controller (kiosk_app/controller.py), the services and the devices into the
screens. On an enrolled kiosk the fleet agent heartbeats on its own thread; its remote commands (lock, unlock, new
configuration, restart) reach the app on the main thread."""

from __future__ import annotations

import logging
import time

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk_app.controller import Controller
from kiosk_app.flow import CheckinFlow, State
from kiosk_app.kiosk_models import KioskModel, load_model
from kiosk_app.recovery_controller import RecoveryController
from kiosk_app.screens import ALL_SCREENS, load_layouts
from kiosk_app.services.checkin import CheckinService
from kiosk_app.services.devices import IdentityReader
from kiosk_app.services.metrics import KioskMetrics
from kiosk_app.services.workers import run_in_background
from kiosk_app.texts import text

log = logging.getLogger(__name__)

SCREEN_OF = {
    State.WELCOME: "welcome",
    State.IDENTIFY: "identify",
    State.TYPING: "keypad",
    State.READING: "reading",
    State.CHECKING_IN: "message",
    State.ISSUING: "message",
    State.ERROR: "message",
    State.CONFIRM: "confirm",
    State.INSURANCE: "insurance",
    State.DEPARTMENT: "department",
    State.TICKET: "ticket",
    State.STAFF_PIN: "staff_pin",
}
LARGE_TEXT_SCALE = 1.3  # every font of every screen; the layouts are checked to fit at this size
SYNC_EVERY_S = 15.0
RESTART_EXIT_CODE = 75  # EX_TEMPFAIL: `python -m kiosk_app` starts itself again on it


class KioskScreens(ScreenManager):
    """The screens; a tap anywhere on them counts as the patient's activity."""

    def __init__(self, *, on_activity, **kwargs) -> None:
        super().__init__(**kwargs)
        self.on_activity = on_activity

    def on_touch_down(self, touch):
        self.on_activity()
        return super().on_touch_down(touch)


class KioskApp(App):
    lang = StringProperty("vi")
    hospital_name = StringProperty("")
    status_line = StringProperty("")
    languages = ListProperty(["vi", "en"])  # offered on the welcome screen (the fleet configuration's)
    locked = BooleanProperty(False)  # out of service, by a fleet admin's command
    lock_message = StringProperty("")
    # What helps the patient, mirrored from the flow for the layouts (issue 19).
    text_scale = NumericProperty(1.0)  # LARGE_TEXT_SCALE in large-text mode
    voice_on = BooleanProperty(True)
    countdown = NumericProperty(0)  # seconds before the idle wipe, 0 when none is shown
    help_state = StringProperty("")  # "" | sending | coming | failed
    assisted = BooleanProperty(False)  # staff assisted mode
    staff_pin_enabled = BooleanProperty(False)
    step = NumericProperty(0)  # 1..5, 0 when the screen is no step
    for_child = BooleanProperty(False)
    title = "congdan — ki-ốt tiếp đón"

    def __init__(
        self,
        *,
        checkin: CheckinService,
        reader: IdentityReader,
        printer=None,
        idle_timeout_s: float = 60.0,
        auto_sync: bool = True,
        clock=time.monotonic,
        background=run_in_background,
        metrics: KioskMetrics | None = None,
        fleet_agent=None,
        play_cue=None,
        verify_pin=None,
        report_now=None,
        kiosk_model: KioskModel | None = None,
        animations: bool = True,
        minutes_per_patient: int = 7,
        recovery_devices: tuple | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.kiosk_model = kiosk_model or load_model()  # the picture of where the card and the QR go
        self.animations = animations
        self.minutes_per_patient = minutes_per_patient  # for the ticket's estimated wait
        # The flow's idle timer and the controller read the same clock (tests pass a fake one).
        self.flow = CheckinFlow(idle_timeout_s=idle_timeout_s, now=clock(), verify_pin=verify_pin)
        self.controller = Controller(
            self,
            self.flow,
            checkin,
            reader,
            printer,
            clock=clock,
            background=background,
            metrics=metrics,
            report_now=report_now or (fleet_agent.wake if fleet_agent else lambda: None),
        )
        self.flow.on_change = self.controller.on_flow_change
        self.flow.on_cue = play_cue
        self.flow.on_countdown = self._show_countdown
        self.staff_pin_enabled = verify_pin is not None
        # Account recovery (issue 23): its own flow and screen; the check-in flow waits on the welcome screen.
        read_chip, capture = recovery_devices or _recovery_devices(reader)
        self.recovery = RecoveryController(
            checkin.api,
            read_chip,
            capture,
            show=self.show_recovery,
            leave=self.leave_recovery,
            is_online=lambda: checkin.online,
            clock=clock,
            background=background,
        )
        self.auto_sync = auto_sync
        self.hospital_name = checkin.facility_name()
        self.fleet_agent = fleet_agent  # started with the app, stopped with it
        self.restart_requested = False
        self.exit_code = 0
        if fleet_agent is not None:
            # What the fleet set before this start: the lock survives a restart, and so does the profile.
            if fleet_agent.settings:
                self.apply_settings(fleet_agent.settings)
            if fleet_agent.locked:
                self.lock(fleet_agent.lock_message)

    def t(self, key: str, language: str) -> str:
        return text(key, language)

    def build(self):
        load_layouts()
        manager = KioskScreens(on_activity=self._activity, transition=NoTransition())
        for screen_class in ALL_SCREENS:
            manager.add_widget(screen_class())
        manager.current = "locked" if self.locked else "welcome"
        preload = getattr(self.flow.on_cue, "preload", None)
        if preload is not None:
            log.info("%d sounds and voice prompts loaded", preload())
        Clock.schedule_interval(self.controller.tick, 1.0)
        Clock.schedule_interval(self.recovery.tick, 1.0)
        if self.auto_sync:
            self.controller.sync()
            Clock.schedule_interval(self.controller.sync, SYNC_EVERY_S)
        return manager

    update_worker = None  # kiosk_app.updater.worker.UpdateWorker when the kiosk runs from update slots

    def on_start(self) -> None:
        if self.fleet_agent is not None:
            self.fleet_agent.start()
        if self.update_worker is not None:
            self.update_worker.start()

    def on_stop(self) -> None:
        if self.fleet_agent is not None:
            self.fleet_agent.stop()
        if self.update_worker is not None:
            self.update_worker.stop()

    def show(self, flow: CheckinFlow) -> None:
        """Put the flow on screen; when it holds no personal data, wipe every screen's widgets too (but
        not the digits a patient is still correcting on the keypad after a refused check)."""
        self.lang = flow.language
        self.text_scale = LARGE_TEXT_SCALE if flow.large_text else 1.0
        self.voice_on, self.help_state, self.assisted = flow.voice_on, flow.help or "", flow.assisted
        self.step, self.for_child = flow.step or 0, flow.for_child
        manager = self.root
        if manager is None or (self.recovery.active and not self.locked):
            return  # the recovery screen stays until the recovery ends (leave_recovery shows the flow again)
        name = "locked" if self.locked else SCREEN_OF[flow.state]
        if not flow.holds_personal_data:
            for screen in manager.screens:
                if not (screen.name == "keypad" and name == "keypad"):
                    screen.clear()
        manager.get_screen(name).show(flow)
        manager.current = name

    def _activity(self) -> None:
        self.controller.touch()
        self.recovery.touch()

    # --- account recovery (kiosk_app/recovery_controller.py) ------------------------------------------
    def recovery_busy(self) -> bool:
        return self.recovery.active

    def show_recovery(self, view) -> None:
        if self.root is None or self.locked:
            return
        screen = self.root.get_screen("recovery")
        screen.text_scale = self.text_scale
        screen.show_view(view)
        self.root.current = "recovery"

    def leave_recovery(self) -> None:
        if self.root is not None:
            self.root.get_screen("recovery").clear()
        self.show(self.flow)

    def _show_countdown(self, flow: CheckinFlow) -> None:
        self.countdown = flow.countdown or 0

    # --- fleet commands (on the main thread) ----------------------------------------------------------
    def lock(self, message: str | None = None) -> None:
        """Out of service until unlocked: whatever a patient had started is dropped."""
        self.locked, self.lock_message = True, message or ""
        self.recovery.close()
        self.flow.wipe()  # shows the locked screen through on_change

    def unlock(self) -> None:
        self.locked, self.lock_message = False, ""
        self.show(self.flow)

    def apply_settings(self, settings: dict) -> None:
        """A verified fleet configuration: idle timeout, languages offered, departments shown."""
        self.flow.idle_timeout_s = float(settings["idle_timeout_s"])
        self.languages = [code for code in ("vi", "en") if code in settings["languages"]] or ["vi"]
        self.controller.checkin.shown_departments = tuple(settings.get("departments") or ())
        log.info(
            "fleet configuration applied: idle %ss, languages %s, %s departments",
            settings["idle_timeout_s"],
            ",".join(self.languages),
            len(settings.get("departments") or ()) or "all",
        )

    def request_restart(self) -> None:
        self.restart_requested = True
        self.controller.tick()

    def restart(self) -> None:
        log.info("restarting on the fleet's command")
        self.exit_code = RESTART_EXIT_CODE
        self.stop()

    def update_status(self, checkin: CheckinService) -> None:
        self.hospital_name = checkin.facility_name()
        if self.root is not None and self.flow.state is State.IDENTIFY:
            self.root.get_screen("identify").online = checkin.online
        pending = checkin.outbox.pending_count()
        state = "Trực tuyến / Online" if checkin.online else "Ngoại tuyến / Offline"
        self.status_line = f"{state}" + (f" · {pending} chờ đồng bộ / waiting to sync" if pending else "")


def _recovery_devices(reader: IdentityReader | None) -> tuple:
    """The chip read and the camera frames for a recovery, on the devices the check-in uses."""
    from kiosk_app.services.recovery import chip_reader, frame_capture

    devices = getattr(reader, "devices", None)
    if devices is None:  # a kiosk without devices (layout and fleet tests): a recovery ends in a plain refusal

        def no_device(_attempt):
            raise RuntimeError("no card reader or camera configured")

        return no_device, no_device
    return chip_reader(reader.scan_payload, devices.open_card_transport), frame_capture(devices.open_camera)


def build_app(config, *, fleet_transport=None) -> KioskApp:
    """The app on the configured backend and devices (simulators unless configured otherwise). An
    enrolled kiosk (see `python -m kiosk_app --enroll`) authenticates with its device key and runs the
    fleet agent; otherwise it logs in with the configured kiosk account."""
    from kiosk_app.services import fleet_link
    from kiosk_app.services.api import ApiClient
    from kiosk_app.services.devices import Devices
    from kiosk_app.services.outbox import Outbox

    config.data_dir.mkdir(parents=True, exist_ok=True)
    outbox = Outbox(config.data_dir / "outbox.sqlite3")
    agent = fleet_link.open_agent(config.api_url, config.data_dir, transport=fleet_transport)
    if agent is not None:
        api = ApiClient(config.api_url, token_source=fleet_link.DeviceTokens(agent))
        hospital_code = agent.hospital_code or config.hospital_code
        log.info("enrolled kiosk %s of %s: device-key authentication, fleet agent on", agent.kiosk_id, hospital_code)
    else:
        api = ApiClient(config.api_url, config.username, config.password)
        hospital_code = config.hospital_code
    checkin = CheckinService(api, outbox, hospital_code=hospital_code)
    metrics = KioskMetrics(agent)
    hardware = config.hardware
    from kiosk_app.services.simulation import SimulatedDevices

    # Used only for the devices configured as "simulator"; its CSCA is the demo backend's when pki_dir is set.
    simulated = SimulatedDevices(pki_dir=config.simulator_pki_dir)
    open_camera = simulated.open_camera if hardware.camera.kind == "simulator" else hardware.open_camera
    if hardware.card_reader.kind == "simulator":
        open_card, trust_store = simulated.open_card_transport, simulated.trust_store
    else:
        from hardware.smartcard import TrustStore

        open_card = hardware.open_card_reader
        trust_store = TrustStore.from_directory(config.csca_dir) if config.csca_dir else None
    devices = Devices(
        open_camera,
        open_card,
        trust_store,
        hardware.open_printer(),
        checkin.jwks,
        chip_challenge=checkin.chip_challenge,
    )
    from kiosk_app import voice
    from kiosk_app.services.audio import CuePlayer, kivy_loader
    from kiosk_app.services.staff_pin import pin_verifier

    missing = voice.missing_prompts()
    if missing:
        log.warning("%d voice prompts missing or stale (render them: make kiosk-voice)", len(missing))
    app = KioskApp(
        checkin=checkin,
        reader=IdentityReader(devices),
        printer=devices.printer,
        idle_timeout_s=config.idle_timeout_s,
        metrics=metrics,
        fleet_agent=agent,
        play_cue=CuePlayer(kivy_loader),
        verify_pin=pin_verifier(config.staff_pin_hash),
        kiosk_model=load_model(config.kiosk_model),
        minutes_per_patient=config.minutes_per_patient,
    )
    from kiosk_app.updater.worker import UpdateWorker, open_update_agent

    updates = open_update_agent(
        config.api_url,
        config.data_dir,
        agent,
        # Switch only with nobody at the kiosk and nothing waiting in the outbox; the restart waits too.
        is_idle=lambda: (
            app.flow.state is State.WELCOME and not app.recovery.active and checkin.outbox.pending_count() == 0
        ),
        restart=lambda: fleet_link.fleet_hooks_post(app.request_restart),
    )
    app.update_worker = UpdateWorker(updates) if updates else None
    if agent is not None:
        agent.hooks = fleet_link.fleet_hooks(
            app,
            checkin=checkin,
            metrics=metrics,
            diagnostics=lambda: fleet_link.diagnostics_report(
                config=config, checkin=checkin, metrics=metrics, agent=agent
            ),
        )
    return app


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
        expected = "locked" if app.locked else "welcome"
        return 0 if frames and app.root is not None and app.root.current == expected else 1
    return app.exit_code
