"""The fleet agent wired into the kiosk app, without a window: metrics recorded by the controller, the
agent's hooks (lock, unlock, configuration, outbox flush, restart) reaching the app, the idle timer reset
by a tap, and an enrolled kiosk against the real backend (enroll once, device-key tokens for check-in,
heartbeats carrying the metrics, a remote lock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kiosk_app.flow import Identity, State
from kiosk_app.main import KioskApp
from kiosk_app.services.checkin import CheckinService
from kiosk_app.services.fleet_link import fleet_hooks
from kiosk_app.services.metrics import KioskMetrics
from kiosk_app.services.outbox import Outbox
from tests.chip_evidence import kiosk_chip_identity
from tests.kiosk_app.fakes import FakeApi, run_now


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class RecordingMetrics:
    def __init__(self) -> None:
        self.scans: list[tuple[str, bool]] = []
        self.steps: dict[str, float] = {}
        self.checkins = 0

    def record_scan(self, method, succeeded):
        self.scans.append((method, succeeded))

    def record_step(self, step, milliseconds):
        self.steps[step] = milliseconds

    def record_checkin(self):
        self.checkins += 1


class FakeReader:
    def __init__(self) -> None:
        self.fail: Exception | None = None

    def identify_by_qr(self):
        if self.fail:
            raise self.fail
        return Identity("cccd_qr", "001090012345", "1990-01-01", "Nguyễn Văn An")

    identify_by_chip = identify_by_qr


@pytest.fixture()
def kiosk(tmp_path):
    api, clock, recorder, reader = FakeApi(), Clock(), RecordingMetrics(), FakeReader()
    checkin = CheckinService(api, Outbox(tmp_path / "outbox.sqlite3"), hospital_code="BV-BACHMAI")
    checkin.refresh()
    metrics = KioskMetrics(recorder)
    app = KioskApp(checkin=checkin, reader=reader, auto_sync=False, clock=clock, background=run_now, metrics=metrics)
    return app, api, clock, recorder, reader, metrics


def test_a_completed_check_in_reports_its_scan_steps_and_completion(kiosk):
    app, _api, clock, recorder, _reader, _metrics = kiosk
    controller = app.controller
    controller.start("vi")
    clock.now += 4
    controller.choose_method("qr")  # the fake reader answers at once
    assert app.flow.state is State.CONFIRM
    clock.now += 3
    controller.confirm()
    clock.now += 2
    controller.accept_insurance()
    clock.now += 5
    controller.choose_department("NOI")
    assert app.flow.state is State.TICKET
    assert recorder.scans == [("cccd_qr", True)]
    assert recorder.steps == {"identify": 4000, "insurance": 5000, "department": 5000, "ticket": 0}
    assert recorder.checkins == 1
    controller.toggle_language()  # the ticket screen again: not a second check-in
    assert recorder.checkins == 1


def test_failed_reads_count_against_their_method_and_an_abandoned_visit_reports_no_steps(kiosk):
    from hardware.smartcard.errors import NoReader

    app, api, clock, recorder, reader, metrics = kiosk
    controller = app.controller
    controller.start("en")
    reader.fail = NoReader("no reader attached")
    controller.choose_method("card")
    assert app.flow.state is State.IDENTIFY
    assert metrics.vitals()["devices"]["card_reader"] == "missing"
    controller.choose_method("typed")
    api.refuse = 422
    controller.submit_typed("001090012345", "1990-01-02")
    assert recorder.scans == [("chip", False), ("id_and_dob", False)]
    clock.now += 120
    controller.tick()
    assert app.flow.state is State.WELCOME
    assert recorder.steps == {} and recorder.checkins == 0


def test_a_tap_resets_the_idle_timer(kiosk):
    app, _api, clock, *_ = kiosk
    app.controller.start("vi")
    clock.now += 50
    app.controller.touch()  # what KioskScreens.on_touch_down calls
    clock.now += 50
    app.controller.tick()
    assert app.flow.state is State.IDENTIFY
    clock.now += 11
    app.controller.tick()
    assert app.flow.state is State.WELCOME


def _hooks(app, metrics):
    return fleet_hooks(
        app,
        checkin=app.controller.checkin,
        metrics=metrics,
        diagnostics=lambda: "diag",
        post=lambda function, *args: function(*args),
    )


def test_lock_drops_the_patient_and_stays_until_unlock(kiosk):
    app, _api, _clock, _recorder, _reader, metrics = kiosk
    hooks = _hooks(app, metrics)
    app.controller.start("vi")
    app.controller.choose_method("qr")
    assert app.flow.holds_personal_data
    assert hooks.lock("Bảo trì máy in") == "out-of-service screen shown"
    assert app.locked and app.lock_message == "Bảo trì máy in"
    assert app.flow.state is State.WELCOME and not app.flow.holds_personal_data
    hooks.unlock()
    assert not app.locked and app.lock_message == ""


def test_a_configuration_sets_idle_timeout_languages_and_departments(kiosk):
    app, _api, clock, _recorder, _reader, metrics = kiosk
    hooks = _hooks(app, metrics)
    hooks.apply_configuration(
        {
            "idle_timeout_s": 30,
            "languages": ["vi"],
            "departments": ["NHI"],
            "heartbeat_interval_s": 15,
            "printer": {"copies": 1},
        }
    )
    assert app.flow.idle_timeout_s == 30 and list(app.languages) == ["vi"]
    app.controller.start("vi")
    app.controller.choose_method("qr")
    assert [d.code for d in app.flow.departments] == ["NHI"]
    clock.now += 31
    app.controller.tick()
    assert app.flow.state is State.WELCOME


def test_flush_outbox_sends_offline_check_ins_and_vitals_count_the_backlog(kiosk):
    app, api, _clock, _recorder, _reader, metrics = kiosk
    hooks = _hooks(app, metrics)
    checkin = app.controller.checkin
    api.online = False
    identity = Identity("chip", "001090012345", "1990-01-01", "Nguyễn Văn An", True, verified_locally=True)
    view, departments = checkin.check_in(identity)
    checkin.issue_ticket(identity, view, departments[0])
    assert hooks.vitals()["outbox_backlog"] == 1
    api.online = True
    assert hooks.flush_outbox() == "1 check-ins synced, 0 waiting"
    assert hooks.vitals()["outbox_backlog"] == 0 and "Trực tuyến" in app.status_line


def test_restart_waits_for_the_patient_to_finish(kiosk, monkeypatch):
    app, *_rest, metrics = kiosk
    hooks = _hooks(app, metrics)
    stopped = []
    monkeypatch.setattr(app, "stop", lambda *args: stopped.append(True))
    app.controller.start("vi")
    hooks.restart_app()
    assert app.restart_requested and not stopped  # a patient is at the kiosk
    app.controller.cancel()
    app.controller.tick()
    assert stopped and app.exit_code == 75


# --- an enrolled kiosk against the real backend ---------------------------------------------------------
def _enrollment_code(live_backend) -> str:
    from backend.auth.models import Account
    from backend.core.access import FLEET_ADMIN, Principal
    from backend.extensions import db
    from backend.fleet import enrollment

    with live_backend.app.app_context():
        session = db.session
        admin = session.scalar(sa.select(Account).where(Account.role == FLEET_ADMIN))
        principal = Principal(account_id=admin.id, role=FLEET_ADMIN, level=2, label="test", family_id="t")
        _record, code = enrollment.create_enrollment_code(
            session=session,
            principal=principal,
            hospital_code="BV-BACHMAI",
            location_label="Sảnh A",
            valid_hours=1,
            now=datetime.now(UTC),
        )
        session.commit()
        return code, principal


def test_an_enrolled_kiosk_checks_in_with_its_device_key_and_obeys_a_remote_lock(live_backend, tmp_path):
    from backend.extensions import db
    from backend.fleet import commands
    from backend.fleet.models import Kiosk, MetricBucket
    from kiosk_app.config import KioskConfig
    from kiosk_app.enroll import main as enroll_main
    from kiosk_app.main import build_app
    from tests.kiosk_app.live_backend import DEMO_PATIENT_ID

    code, admin = _enrollment_code(live_backend)
    environ = {
        "CONGDAN_API_URL": live_backend.url,
        "CONGDAN_KIOSK_DATA": str(tmp_path / "kiosk"),
        "CONGDAN_KIOSK_PASSWORD": "not-used-once-enrolled",
    }
    assert enroll_main(code, environ=environ) == 0
    assert enroll_main(code, environ=environ) == 1  # once only

    app = build_app(KioskConfig.from_environment(environ))
    agent = app.fleet_agent
    assert agent is not None and agent.hospital_code == "BV-BACHMAI"
    checkin = app.controller.checkin
    assert checkin.refresh() and checkin.facility_name() == "Bệnh viện Bạch Mai"
    assert checkin.api.username is None  # no password: the device key signed a challenge
    identity = kiosk_chip_identity(DEMO_PATIENT_ID, "1990-01-01", "Nguyễn Văn An")
    view, _departments = checkin.check_in(identity)
    assert view.checkin_id and view.full_name == "Nguyễn Văn An"
    app.controller.metrics.scan_succeeded("chip")

    # The app's hooks are the agent's; commands reach the app (posted synchronously here).
    agent.hooks = _hooks(app, app.controller.metrics)
    outcome = agent.heartbeat()
    assert outcome.accepted and outcome.configuration_applied == 0
    with live_backend.app.app_context():
        buckets = db.session.scalars(sa.select(MetricBucket).where(MetricBucket.kiosk_id == agent.kiosk_id))
        assert sum(b.chip_attempted for b in buckets) == 1
        commands.queue_command(
            session=db.session,
            principal=admin,
            kiosk_id=agent.kiosk_id,
            kind="lock",
            message="Bảo trì",
            now=datetime.now(UTC),
        )
        db.session.commit()
    assert agent.heartbeat().commands[0][1:] == ("lock", "succeeded")
    assert app.locked and app.lock_message == "Bảo trì"
    with live_backend.app.app_context():
        assert db.session.get(Kiosk, agent.kiosk_id).last_seen_at is not None
    app.controller.checkin.api.http.close()
    agent.transport.http.close()

    # Started again, the kiosk comes back locked.
    again = build_app(KioskConfig.from_environment(environ))
    assert again.locked and again.lock_message == "Bảo trì"
    again.fleet_agent.transport.http.close()
