"""What helps an elderly patient through the check-in, without a window (issue 19): the call for staff, the
countdown before the idle wipe with "I need more time", large text, sounds and voice prompts as events,
the insured / self-paid choice, the child's wording, the ticket kept on screen when printing fails, and
the staff's assisted mode."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk_app.flow import COUNTDOWN_S, CheckinFlow, CheckinView, Coverage, Cue, Identity, State
from tests.kiosk_app.test_flow import CHIP, OOPS, OPEN, TICKET, VIEW, to_department

PIN = "2468"


@pytest.fixture()
def cues():
    return []


@pytest.fixture()
def flow(cues):
    flow = CheckinFlow(
        idle_timeout_s=60,
        ticket_timeout_s=20,
        print_failed_timeout_s=120,
        verify_pin=lambda pin: pin == PIN,
        today=lambda: date(2026, 12, 2),
    )
    flow.on_cue = cues.append
    return flow


def to_insurance(flow, view=VIEW, identity=CHIP):
    flow.start("vi", now=0)
    flow.choose_method("card", now=0)
    flow.identified(identity, now=0)
    flow.checked_in(view, [OPEN], now=0)
    flow.confirm(now=0)


# --- the countdown ------------------------------------------------------------------------------------
def test_the_last_15_seconds_are_counted_down_and_more_time_starts_the_timer_again(flow, cues):
    shown = []
    flow.on_countdown = lambda f: shown.append(f.countdown)
    flow.start("vi", now=100)
    flow.tick(now=100 + 60 - COUNTDOWN_S - 1)
    assert flow.countdown is None and shown == []
    flow.tick(now=100 + 60 - COUNTDOWN_S)
    assert flow.countdown == COUNTDOWN_S and Cue("voice", "countdown") in cues
    flow.tick(now=100 + 60 - 3.5)
    assert flow.countdown == 4 and shown == [15, 4]
    flow.more_time(now=157)
    assert flow.countdown is None and flow.state is State.IDENTIFY and shown[-1] is None
    flow.tick(now=157 + 59)
    assert flow.state is State.IDENTIFY
    flow.tick(now=157 + 60)
    assert flow.state is State.WELCOME and flow.countdown is None


def test_any_tap_clears_the_countdown(flow):
    flow.start("vi", now=0)
    flow.tick(now=50)
    assert flow.countdown == 10
    flow.touch(now=51)
    assert flow.countdown is None


# --- help -----------------------------------------------------------------------------------------------
def test_a_call_for_staff_is_sent_once_and_the_screen_says_help_is_coming(flow, cues):
    to_insurance(flow)
    assert flow.call_help(now=1) is True and flow.help == "sending"
    assert flow.call_help(now=2) is False  # pressing again while it is under way sends nothing more
    flow.help_answered(True)
    assert flow.help == "coming" and Cue("voice", "help_coming") in cues
    assert flow.call_help(now=3) is False
    assert flow.state is State.INSURANCE  # the patient stays where they were


def test_a_call_that_did_not_reach_the_hospital_says_where_to_go_and_can_be_tried_again(flow, cues):
    flow.start("vi", now=0)
    flow.call_help(now=0)
    flow.help_answered(False)
    assert flow.help == "failed" and Cue("voice", "help_failed") in cues
    assert flow.call_help(now=1) is True


def test_while_staff_are_coming_the_screen_waits_longer_and_a_wipe_forgets_the_call(flow):
    flow.start("vi", now=0)
    flow.call_help(now=0)
    flow.help_answered(True)
    flow.tick(now=200)
    assert flow.state is State.IDENTIFY  # 60 s idle would have wiped it
    flow.tick(now=300)
    assert (flow.state, flow.help) == (State.WELCOME, None)
    flow.help_answered(True)  # an answer arriving after the wipe changes nothing
    assert flow.help is None


# --- large text and voice -------------------------------------------------------------------------------
def test_large_text_and_mute_are_toggled_and_forgotten_for_the_next_patient(flow, cues):
    flow.start("vi", now=0)
    flow.toggle_large_text(now=1)
    flow.toggle_voice(now=1)
    assert (flow.large_text, flow.voice_on) == (True, False)
    cues.clear()
    flow.choose_method("qr", now=2)
    assert cues == []  # muted: no voice, no sounds
    flow.cancel()
    assert (flow.large_text, flow.voice_on) == (False, True)


def test_each_step_speaks_its_prompt_in_the_patients_language(flow, cues):
    flow.start("en", now=0)
    flow.choose_method("card", now=0)
    flow.identified(CHIP, now=0)
    flow.checked_in(VIEW, [OPEN], now=0)
    flow.confirm(now=0)
    flow.accept_insurance(now=0)
    flow.choose_department("NOI", now=0)
    flow.ticket_issued(TICKET, now=0)
    assert cues == [
        Cue("voice", "identify", "en"),
        Cue("voice", "reading_card", "en"),
        Cue("sound", "success", "en"),
        Cue("voice", "confirm", "en"),
        Cue("voice", "insurance", "en"),
        Cue("voice", "department", "en"),
        Cue("sound", "success", "en"),
        Cue("voice", "ticket", "en"),
    ]


def test_failures_sound_and_the_choice_screen_says_try_again(flow, cues):
    flow.start("vi", now=0)
    flow.choose_method("qr", now=0)
    cues.clear()
    flow.identify_failed(OOPS, now=1)
    assert cues == [Cue("sound", "failure"), Cue("voice", "identify_again")]


def test_every_prompt_the_flow_can_ask_for_exists_in_both_languages():
    from kiosk_app import voice

    names = {
        "identify",
        "identify_again",
        "reading_card",
        "reading_qr",
        "typing",
        "typing_child",
        "confirm",
        "confirm_child",
        "insurance",
        "department",
        "ticket",
        "ticket_provisional",
        "ticket_not_printed",
        "error",
        "countdown",
        "help_coming",
        "help_failed",
        "staff_pin",
    }
    assert names <= set(voice.PROMPTS)
    for name in names:
        vi, en = voice.PROMPTS[name]
        assert vi and en and vi != en


# --- the child flow -------------------------------------------------------------------------------------
def test_the_child_flow_speaks_about_the_child(flow, cues):
    flow.start("vi", now=0)
    flow.choose_method("typed", now=0)
    assert flow.for_child and cues[-1] == Cue("voice", "typing_child")
    flow.submit_typed("001215000123", "2015-08-20", now=1)
    flow.checked_in(VIEW, [OPEN], now=1)
    assert flow.for_child and cues[-1] == Cue("voice", "confirm_child")


def test_a_child_read_by_chip_is_still_a_child_and_an_adult_is_not(flow):
    young = Identity("chip", "001215000123", "2014-12-03", "Nguyễn Văn Bé", verified_locally=True)
    to_insurance(flow, identity=young)
    assert flow.for_child  # 11 on 2 December 2026
    flow.cancel()
    to_insurance(flow, identity=CHIP)
    assert not flow.for_child


# --- insurance: the choice -------------------------------------------------------------------------------
def test_the_patient_chooses_an_insured_or_a_self_paid_visit(flow):
    to_insurance(flow)
    flow.choose_payment("self_pay", now=1)
    assert (flow.state, flow.payment) == (State.DEPARTMENT, "self_pay")
    flow.back(now=2)
    flow.choose_payment("insurance", now=2)
    assert flow.payment == "insurance"


@pytest.mark.parametrize(
    "coverage",
    [Coverage("expired", 0, True, "2025-06-30"), Coverage("none", 0, False), Coverage("valid", 0, False, "2026-12-31")],
)
def test_an_insured_visit_cannot_be_chosen_when_the_card_pays_nothing_here(flow, coverage):
    view = CheckinView("c1", "Nguyễn Văn An", "0010******45", VIEW.insurance, 0, coverage=coverage)
    to_insurance(flow, view=view)
    assert not flow.insurance_usable
    flow.choose_payment("insurance", now=1)
    assert flow.state is State.INSURANCE and flow.payment is None
    flow.choose_payment("self_pay", now=1)
    assert flow.state is State.DEPARTMENT


def test_offline_the_insured_visit_stays_possible_and_staff_check_the_card(flow):
    offline = CheckinView(None, "Nguyễn Văn An", "0010******45", VIEW.insurance, None, offline=True)
    to_insurance(flow, view=offline)
    flow.choose_payment("insurance", now=1)
    assert flow.payment == "insurance"


# --- the ticket when printing fails -----------------------------------------------------------------------
def test_a_ticket_that_did_not_print_stays_on_screen_longer(flow, cues):
    to_department(flow, now=0)
    flow.choose_department("NOI", now=0)
    flow.ticket_issued(TICKET, now=10)
    flow.print_failed(OOPS)
    assert cues[-2:] == [Cue("sound", "failure"), Cue("voice", "ticket_not_printed")]
    flow.tick(now=10 + 20)
    assert flow.state is State.TICKET  # an ordinary ticket would have gone after 20 s
    flow.tick(now=10 + 120)
    assert flow.state is State.WELCOME


# --- assisted mode ----------------------------------------------------------------------------------------
def test_staff_pin_starts_assisted_mode_which_skips_the_welcome_screen(flow):
    flow.staff_login(now=0)
    assert flow.state is State.STAFF_PIN
    flow.submit_pin(PIN, now=1)
    assert (flow.state, flow.assisted) == (State.IDENTIFY, True)
    flow.back(now=2)
    assert flow.state is State.IDENTIFY  # no welcome screen to go back to
    to_department_assisted(flow)
    flow.finish()
    assert (flow.state, flow.assisted, flow.holds_personal_data) == (State.IDENTIFY, True, False)
    flow.end_assisted()
    assert (flow.state, flow.assisted) == (State.WELCOME, False)


def to_department_assisted(flow):
    flow.choose_method("card", now=3)
    flow.identified(CHIP, now=3)
    flow.checked_in(VIEW, [OPEN], now=3)
    flow.confirm(now=3)
    flow.accept_insurance(now=3)
    flow.choose_department("NOI", now=3)
    flow.ticket_issued(TICKET, now=3)


def test_wrong_pins_are_refused_and_five_close_the_pin_screen(flow):
    flow.staff_login(now=0)
    for attempt in range(4):
        flow.submit_pin("0000", now=attempt)
        assert flow.state is State.STAFF_PIN and flow.message.en == "Wrong PIN." and not flow.assisted
    flow.submit_pin("0000", now=5)
    assert (flow.state, flow.assisted) == (State.WELCOME, False)


def test_staff_who_walk_away_leave_an_ordinary_kiosk(flow):
    flow.staff_login(now=0)
    flow.submit_pin(PIN, now=0)
    flow.tick(now=61)
    assert (flow.state, flow.assisted) == (State.WELCOME, False)


def test_without_a_configured_pin_there_is_no_assisted_mode():
    flow = CheckinFlow()
    flow.staff_login(now=0)
    assert flow.state is State.WELCOME


# --- the step indicator -----------------------------------------------------------------------------------
def test_the_step_indicator_follows_identify_confirm_insurance_clinic_ticket(flow):
    steps = []
    flow.on_change = lambda f: steps.append(f.step)
    to_department(flow)
    flow.choose_department("NOI", now=2)
    flow.ticket_issued(TICKET, now=3)
    assert steps == [1, 1, 1, 2, 3, 4, 4, 5]


def test_a_call_from_the_welcome_screen_is_not_shown_to_the_next_patient_forever(flow):
    flow.call_help(now=0)
    flow.help_answered(True)
    flow.tick(now=299)
    assert flow.help == "coming"
    flow.tick(now=300)
    assert (flow.state, flow.help) == (State.WELCOME, None)
