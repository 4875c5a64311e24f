"""The services behind the patient aids: the controller's call for staff (what reaches the backend), a
failed print (the fleet is told at once, staff are called), insurance in plain words, the colours' contrast,
the staff PIN, the cue player, the voice prompts rendered by espeak-ng, and the kiosk-model picture data."""

from __future__ import annotations

import json
import shutil
import wave

import pytest

from hardware.printer.errors import PaperOut
from kiosk_app import insurance_words as words
from kiosk_app.controller import Controller
from kiosk_app.flow import CheckinFlow, CheckinView, Coverage, Cue, Message, State
from kiosk_app.kiosk_models import load_model
from kiosk_app.screens.palette import TEXT_PAIRS, contrast
from kiosk_app.services.audio import CuePlayer
from kiosk_app.services.checkin import CheckinService
from kiosk_app.services.metrics import KioskMetrics
from kiosk_app.services.outbox import Outbox
from kiosk_app.services.staff_pin import hash_pin, pin_verifier
from tests.kiosk_app.fakes import FakeApi, run_now
from tests.kiosk_app.test_flow import TICKET, to_department


class FakeApp:
    locked = False
    restart_requested = False

    def show(self, flow):
        pass


class FailingPrinter:
    def print_ticket(self, ticket):
        raise PaperOut("no paper")


@pytest.fixture()
def api():
    return FakeApi()


@pytest.fixture()
def controller(api, tmp_path):
    checkin = CheckinService(api, Outbox(tmp_path / "outbox.sqlite3"), hospital_code="BV-BACHMAI")
    checkin.refresh()
    flow = CheckinFlow(now=0.0)
    reported = []
    control = Controller(
        FakeApp(),
        flow,
        checkin,
        None,
        FailingPrinter(),
        clock=lambda: 0.0,
        background=run_now,
        metrics=KioskMetrics(),
        report_now=lambda: reported.append("now"),
    )
    flow.on_change = control.on_flow_change
    control.reported = reported
    return control


def test_call_staff_sends_the_screen_and_what_went_wrong_but_nothing_about_the_patient(controller, api):
    flow = controller.flow
    controller.start("vi")
    controller.choose_method("typed")
    controller.submit_typed("001215000123", "2015-08-20")  # the fake backend accepts it
    controller.confirm()
    controller.call_help()
    assert api.help_calls == [{"screen": "insurance", "reason": "patient_asked", "language": "vi", "assisted": False}]
    assert flow.help == "coming"
    assert "001215000123" not in json.dumps(api.help_calls) and "Nguyễn" not in json.dumps(api.help_calls)


def test_a_call_for_staff_while_offline_says_so(controller, api):
    controller.start("vi")
    api.online = False
    controller.call_help()
    assert controller.flow.help == "failed"


def test_paper_out_keeps_the_ticket_reports_to_the_fleet_at_once_and_calls_staff(controller, api):
    flow = controller.flow
    controller.start("vi")
    controller.choose_method("typed")
    controller.submit_typed("001215000123", "2015-08-20")
    controller.confirm()
    controller.choose_payment("insurance")
    controller.choose_department("NOI")
    assert flow.state is State.TICKET and flow.print_message is not None
    assert controller.metrics.vitals()["devices"]["printer"] == "paper_out"
    assert controller.reported == ["now"]
    assert [(c["screen"], c["reason"]) for c in api.help_calls] == [("ticket", "print_failed")]
    assert flow.help == "coming"


def test_the_footer_leaves_the_ticket_with_done_and_other_screens_one_step_back(controller):
    flow = controller.flow
    flow.on_change = None  # the flow's own events here: no device reads
    to_department(flow)
    controller.leave()
    assert flow.state is State.INSURANCE
    flow.accept_insurance(now=0)
    flow.choose_department("NOI", now=0)
    flow.ticket_issued(TICKET, now=0)
    controller.leave()
    assert flow.state is State.WELCOME and not flow.holds_personal_data


# --- insurance in plain words -------------------------------------------------------------------------------
def _view(coverage=None, percent=80, offline=False):
    return CheckinView(
        None if offline else "c1", "An", "0010******45", Message("", ""), percent, offline=offline, coverage=coverage
    )


@pytest.mark.parametrize(
    ("coverage", "vi"),
    [
        (Coverage("valid", 80, True, "2026-12-31"), "BHYT chi trả 80 % — bạn đồng chi trả 20 %"),
        (Coverage("valid", 100, True, "2026-12-31"), "BHYT chi trả 100 % — bạn không phải đồng chi trả"),
        (Coverage("expired", 0, True, "2025-06-30"), "Thẻ BHYT hết hạn ngày 30/06/2025 — khám dịch vụ (tự chi trả)"),
        (
            Coverage("valid", 32, False, "2026-12-31"),
            "Không đúng cơ sở đăng ký — BHYT chi trả 32 %, bạn đồng chi trả 68 %",
        ),
        (
            Coverage("valid", 0, False, "2026-12-31"),
            "Không đúng cơ sở đăng ký khám chữa bệnh ban đầu — BHYT không chi trả lần khám này",
        ),
        (Coverage("none", 0, False), "Không tìm thấy thẻ BHYT — khám dịch vụ (tự chi trả)"),
    ],
)
def test_insurance_is_said_in_words_never_as_a_bare_percentage(coverage, vi):
    headline = words.headline(_view(coverage))
    assert headline.vi == vi
    assert headline.en and "%" not in headline.en.replace(" %", "")  # a percentage always has its words


def test_offline_insurance_says_it_was_not_checked_and_who_will_check_it():
    assert "nhân viên sẽ kiểm tra" in words.headline(_view(None, None, offline=True)).vi


def test_the_check_in_answer_carries_the_insurance_facts():
    facts = Coverage.from_wire(
        {
            "status": "valid",
            "coverage_percent": 80,
            "in_route": True,
            "valid_to": "2026-12-31",
            "primary_care_facility_name": "Trạm y tế",
        }
    )
    assert facts == Coverage("valid", 80, True, "2026-12-31", "Trạm y tế")
    assert Coverage.from_wire({"coverage_percent": 80}) is None


# --- contrast, PIN, sounds, voice, kiosk models ------------------------------------------------------------
@pytest.mark.parametrize("pair", sorted(TEXT_PAIRS))
def test_every_text_colour_pair_passes_wcag_aa(pair):
    assert contrast(*TEXT_PAIRS[pair]) >= 4.5


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast((0, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(21.0)
    assert contrast((0.5, 0.5, 0.5, 1), (0.5, 0.5, 0.5, 1)) == pytest.approx(1.0)


def test_the_staff_pin_is_checked_against_its_salted_hash():
    verify = pin_verifier(hash_pin("2468"))
    assert verify("2468") and not verify("2469") and not verify("24") and not verify("abcd")
    assert pin_verifier(None) is None and pin_verifier("") is None
    assert hash_pin("2468") != hash_pin("2468")  # salted


class FakeSound:
    def __init__(self, path):
        self.path, self.events = path, []

    def play(self):
        self.events.append("play")

    def stop(self):
        self.events.append("stop")


def test_the_cue_player_cuts_the_previous_prompt_and_skips_missing_files(tmp_path):
    for name in ("identify", "confirm"):
        (tmp_path / "vi").mkdir(exist_ok=True)
        (tmp_path / "vi" / f"{name}.wav").write_bytes(b"RIFF")
    loaded = {}
    player = CuePlayer(lambda path: loaded.setdefault(path, FakeSound(path)), voice_dir=tmp_path)
    player(Cue("voice", "identify"))
    player(Cue("voice", "confirm"))
    player(Cue("voice", "nowhere"))
    first, second = (loaded[str(tmp_path / "vi" / f"{n}.wav")] for n in ("identify", "confirm"))
    assert first.events == ["play", "stop"] and second.events == ["play"]
    player(Cue("sound", "success"))  # the committed chime
    assert any(path.endswith("success.wav") for path in loaded)


def test_the_committed_chimes_are_short_and_soft():
    from kiosk_app.services.audio import SOUND_DIR

    for name in ("success", "failure"):
        with wave.open(str(SOUND_DIR / f"{name}.wav")) as chime:
            assert chime.getnchannels() == 1 and 0.2 < chime.getnframes() / chime.getframerate() < 0.6


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="Debian package espeak-ng not installed")
def test_voice_prompts_render_with_espeak_and_a_changed_text_renders_again(tmp_path, monkeypatch):
    from kiosk_app import voice

    monkeypatch.setattr(voice, "PROMPTS", {"identify": voice.PROMPTS["identify"]})
    assert voice.missing_prompts(tmp_path) == ["vi/identify", "en/identify"]
    assert voice.render(tmp_path) == ["vi/identify", "en/identify"]
    assert voice.missing_prompts(tmp_path) == []
    with wave.open(str(tmp_path / "vi" / "identify.wav")) as spoken:
        assert spoken.getnframes() / spoken.getframerate() > 2  # a sentence, not silence
    monkeypatch.setattr(voice, "PROMPTS", {"identify": ("Bước một.", "Step one.")})
    assert voice.missing_prompts(tmp_path) == ["vi/identify", "en/identify"]


def test_kiosk_models_place_every_part_on_the_front():
    for code in ("k1-floor", "k2-desk"):
        model = load_model(code)
        assert model.reader_place.vi and model.camera_place.en
    with pytest.raises(ValueError, match="unknown kiosk model"):
        load_model("k9")


def test_a_kiosk_model_with_a_part_off_the_front_is_refused(tmp_path):
    bad = json.loads(load_model.__globals__["MODELS_FILE"].read_text(encoding="utf-8"))
    bad["k1-floor"]["reader"] = [0.9, 0.2, 0.3, 0.1]
    path = tmp_path / "models.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="must lie on the front"):
        load_model("k1-floor", path)


def test_the_patients_choice_goes_with_the_ticket_request(controller, api):
    controller.printer = None  # printing is not the subject here
    controller.start("vi")
    controller.choose_method("typed")
    controller.submit_typed("001215000123", "2015-08-20")
    controller.confirm()
    controller.choose_payment("self_pay")
    controller.choose_department("NOI")
    assert controller.flow.state is State.TICKET
    assert [t["payment"] for t in api.tickets.values()] == ["self_pay"]
