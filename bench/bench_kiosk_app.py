"""The app half of bench_checkin.py: the real KioskApp, offscreen, voice and animations on, timed from the
patient's choice of method to the ticket on screen (see bench_checkin.py's docstring)."""

from __future__ import annotations

import os
import statistics
import time

for name, value in {
    "SDL_VIDEODRIVER": "offscreen",
    "SDL_AUDIODRIVER": "dummy",
    "KIVY_NO_ARGS": "1",
    "KIVY_NO_CONSOLELOG": "1",
    "KIVY_NO_FILELOG": "1",
}.items():
    os.environ.setdefault(name, value)

APP_METHODS = {"chip": "card", "signed_qr": "qr", "typed": "typed"}


def _counting(player, played: list):
    def play(cue):
        played.append(cue)
        player(cue)

    return play


def app_table(backend_app, api, folder, backend_url, patients: int, add_patients, shared_pki) -> None:
    import logging

    from kivy.base import EventLoop
    from kivy.clock import Clock
    from kivy.core.window import Window

    logging.getLogger().setLevel(logging.WARNING)  # Kivy lowers the root level; the table must stay readable

    from kiosk_app import voice
    from kiosk_app.flow import State
    from kiosk_app.main import KioskApp
    from kiosk_app.services.audio import CuePlayer, kivy_loader
    from kiosk_app.services.simulation import SimulatedDevices
    from tests.backend.helpers import PASSWORD as CITIZEN_PASSWORD
    from tests.kiosk_app.kiosk_services import identity_qr_token, kiosk_services

    if voice.missing_prompts():
        voice.render()  # espeak-ng: what `make kiosk-voice` does at build time
    Window.size = (1080, 1920)
    played: list = []
    cue_player = CuePlayer(kivy_loader)
    cue_player.preload()  # as KioskApp.build does at start-up
    player = _counting(cue_player, played)
    frames: list[float] = []
    Window.bind(on_flip=lambda *_: frames.append(time.perf_counter()))
    print(
        f"\nthe whole app (offscreen window 1080x1920, voice + chimes through SDL audio, animations on), "
        f"{patients} patients per method"
    )
    print(f"{'method':<10}{'ident→ticket p50':>18}{'max':>10}{'frame gap max':>15}{'cues':>7}")
    # One app for every patient, as on a kiosk that runs all day: what a screen draws once stays drawn.
    # Each patient brings their own card or phone (the simulated devices behind the reader).
    app = None
    for method, choice in APP_METHODS.items():
        people = add_patients(backend_app, patients, children=method == "typed", accounts=method == "signed_qr")
        totals, gaps, cues_before = [], [], len(played)
        for person in people:
            simulated = SimulatedDevices(person)
            simulated.__dict__["pki"] = shared_pki
            if method == "signed_qr":
                simulated.qr_payload = identity_qr_token(backend_url, person.personal_id, CITIZEN_PASSWORD)
            if method == "chip":
                _ = simulated._chip_files
            kiosk_folder = folder / f"app-{method}" / person.personal_id
            kiosk_folder.mkdir(parents=True)
            services = kiosk_services(api, kiosk_folder, simulated=simulated)
            if app is None:
                app = KioskApp(
                    checkin=services.checkin,
                    reader=services.reader,
                    printer=services.printer,
                    auto_sync=False,
                    play_cue=player,
                    animations=os.environ.get("BENCH_NO_ANIM") is None,
                )
                app._run_prepare()
                app.root.size, app.root.pos = Window.size, (0, 0)
            app.controller.reader = services.reader
            first_frame = len(frames)
            totals.append(_one_patient(app, choice, person, EventLoop, Clock, State))
            mine = frames[first_frame:]
            gaps.append(max((b - a for a, b in zip(mine, mine[1:], strict=False)), default=0.0))
            app.controller.finish()
            EventLoop.idle()
        print(
            f"{method:<10}{statistics.median(totals) * 1000:>15.0f} ms{max(totals) * 1000:>7.0f} ms"
            f"{max(gaps) * 1000:>12.0f} ms{len(played) - cues_before:>7}"
        )
    if app is not None:
        app.stop()
        Window.remove_widget(app.root)


def _one_patient(app, choice, person, EventLoop, Clock, State) -> float:
    controller, flow = app.controller, app.flow

    def pump_until(condition, within_s=30.0):
        deadline = Clock.get_boottime() + within_s
        while not condition():
            if Clock.get_boottime() > deadline:
                raise RuntimeError(f"still {flow.state} after {within_s} s")
            EventLoop.idle()

    controller.start("vi")
    EventLoop.idle()
    start = time.perf_counter()
    controller.choose_method(choice)
    if choice == "typed":
        EventLoop.idle()
        controller.submit_typed(person.personal_id, person.birth_date.isoformat())
    pump_until(lambda: flow.state in (State.CONFIRM, State.ERROR, State.IDENTIFY))
    if flow.state is not State.CONFIRM:
        raise RuntimeError(f"identification failed: {flow.message}")
    EventLoop.idle()
    controller.confirm()
    EventLoop.idle()
    controller.choose_payment("insurance")
    EventLoop.idle()
    controller.choose_department("NOI")
    pump_until(lambda: flow.state is State.TICKET and app.root.current == "ticket")
    EventLoop.idle()  # the ticket drawn
    return time.perf_counter() - start
