"""The check-in state machine without a window: every path, the error paths, back / cancel, the language
toggle and the idle wipe, all on the flow's own clock (`now`)."""

from __future__ import annotations

import pytest

from kiosk_app.flow import CheckinFlow, CheckinView, Department, Identity, Message, State, TicketView

CHIP = Identity(
    "chip",
    "001090012345",
    "1990-01-01",
    "Nguyễn Văn An",
    passive_auth_passed=True,
    face_jpeg=b"\xff\xd8jpeg",
    verified_locally=True,
)
VIEW = CheckinView("c1", "Nguyễn Văn An", "0010******45", Message("80% vi", "80% en"), 80)
OPEN, CLOSED = Department("NOI", "Nội", "Internal", "Tầng 2"), Department("TMH", "TMH", "ENT", open_now=False)
TICKET = TicketView("t1", 7, OPEN, "N. V. An", Message("vi", "en"), waiting_ahead=2)
OOPS = Message("Lỗi", "Oops")


@pytest.fixture()
def seen():
    return []


@pytest.fixture()
def flow(seen):
    return CheckinFlow(idle_timeout_s=60, ticket_timeout_s=20, on_change=lambda f: seen.append(f.state))


def to_department(flow, method="card", now=1.0):
    flow.start("vi", now=now)
    flow.choose_method(method, now=now)
    flow.identified(CHIP, now=now)
    flow.checked_in(VIEW, [OPEN, CLOSED], now=now)
    flow.confirm(now=now)
    flow.accept_insurance(now=now)


def test_the_happy_path_by_card_visits_every_screen_in_order(flow, seen):
    to_department(flow)
    flow.choose_department("NOI", now=2)
    assert flow.chosen_department == OPEN
    flow.ticket_issued(TICKET, now=3)
    assert seen == [
        State.IDENTIFY,
        State.READING,
        State.CHECKING_IN,
        State.CONFIRM,
        State.INSURANCE,
        State.DEPARTMENT,
        State.ISSUING,
        State.TICKET,
    ]
    assert flow.holds_personal_data
    flow.finish()
    assert flow.state is State.WELCOME and not flow.holds_personal_data and flow.departments == []


def test_the_qr_method_reads_and_the_typed_method_uses_the_keypad(flow):
    flow.start("en", now=0)
    flow.choose_method("qr", now=0)
    assert (flow.state, flow.method, flow.language) == (State.READING, "qr", "en")
    flow.back(now=0)
    flow.choose_method("typed", now=0)
    assert flow.state is State.TYPING
    flow.submit_typed("001215000123", "2015-08-20", now=1)
    assert flow.state is State.CHECKING_IN
    assert (flow.identity.method, flow.identity.personal_id, flow.identity.verified_locally) == (
        "id_and_dob",
        "001215000123",
        False,
    )


@pytest.mark.parametrize("typed", ["12345", "00121500012x", "0012150001234", ""])
def test_a_malformed_id_number_stays_on_the_keypad_with_a_message(flow, typed):
    flow.start("vi", now=0)
    flow.choose_method("typed", now=0)
    flow.submit_typed(typed, "2015-08-20", now=0)
    assert flow.state is State.TYPING and flow.identity is None
    assert flow.message.text("en") == "The ID number has 12 digits."


def test_unknown_methods_and_languages_are_ignored_or_defaulted(flow, seen):
    flow.start("fr", now=0)
    assert flow.language == "vi"
    flow.choose_method("fingerprint", now=0)
    assert flow.state is State.IDENTIFY and seen == [State.IDENTIFY]


def test_a_failed_read_returns_to_the_choice_with_the_devices_message(flow):
    flow.start("vi", now=0)
    flow.choose_method("card", now=0)
    flow.identify_failed(OOPS, now=1)
    assert (flow.state, flow.message, flow.identity) == (State.IDENTIFY, OOPS, None)
    # The message belongs to that screen: the next action clears it.
    flow.choose_method("qr", now=2)
    assert flow.message is None


def test_a_refused_checkin_drops_the_identity(flow):
    flow.start("vi", now=0)
    flow.choose_method("card", now=0)
    flow.identified(CHIP, now=0)
    flow.checkin_failed(OOPS, now=1)
    assert (flow.state, flow.message, flow.identity) == (State.ERROR, OOPS, None)
    flow.back(now=2)
    assert flow.state is State.IDENTIFY and not flow.holds_personal_data


def test_a_refused_typed_checkin_goes_back_to_the_keypad(flow):
    flow.start("vi", now=0)
    flow.choose_method("typed", now=0)
    flow.submit_typed("001215000123", "2015-08-20", now=0)
    flow.checkin_failed(OOPS, now=1)
    assert (flow.state, flow.message, flow.identity) == (State.TYPING, OOPS, None)


def test_a_closed_or_unknown_department_cannot_be_chosen(flow):
    to_department(flow)
    for code in ("TMH", "NOPE"):
        flow.choose_department(code, now=2)
        assert flow.state is State.DEPARTMENT and flow.chosen_department is None
        assert flow.message.text("en") == "This department is closed now."
    flow.choose_department("NOI", now=3)
    assert flow.state is State.ISSUING and flow.message is None


def test_a_failed_ticket_shows_the_error_and_back_forgets_the_patient(flow):
    to_department(flow)
    flow.choose_department("NOI", now=2)
    flow.ticket_failed(OOPS, now=3)
    assert (flow.state, flow.message) == (State.ERROR, OOPS)
    flow.back(now=4)
    assert flow.state is State.IDENTIFY and not flow.holds_personal_data and flow.chosen_department is None


def test_a_print_failure_stays_on_the_ticket_with_a_note(flow):
    to_department(flow)
    flow.choose_department("NOI", now=2)
    flow.ticket_issued(TICKET, now=3)
    flow.print_failed(OOPS)
    assert (flow.state, flow.ticket, flow.print_message) == (State.TICKET, TICKET, OOPS)


def test_results_arriving_in_the_wrong_state_are_ignored(flow, seen):
    """A worker that finishes after the patient went back (or the kiosk wiped) changes nothing."""
    flow.identified(CHIP, now=0)
    flow.identify_failed(OOPS, now=0)
    flow.checked_in(VIEW, [OPEN], now=0)
    flow.checkin_failed(OOPS, now=0)
    flow.ticket_issued(TICKET, now=0)
    flow.ticket_failed(OOPS, now=0)
    flow.print_failed(OOPS)
    flow.confirm(now=0)
    flow.accept_insurance(now=0)
    flow.choose_department("NOI", now=0)
    flow.submit_typed("001215000123", "2015-08-20", now=0)
    assert flow.state is State.WELCOME and not flow.holds_personal_data and seen == []
    flow.start("vi", now=0)
    flow.choose_method("card", now=0)
    flow.back(now=0)  # the patient walked away from the reader
    flow.identified(CHIP, now=1)
    assert flow.state is State.IDENTIFY and flow.identity is None


def test_back_walks_one_step_and_leaving_the_confirmation_drops_what_was_read(flow):
    to_department(flow)
    flow.back(now=2)
    assert flow.state is State.INSURANCE and flow.identity == CHIP
    flow.back(now=2)
    assert flow.state is State.CONFIRM
    flow.back(now=2)
    assert flow.state is State.IDENTIFY and flow.identity is None and flow.checkin is None
    flow.back(now=2)
    assert flow.state is State.WELCOME


@pytest.mark.parametrize("state", [State.WELCOME, State.CHECKING_IN, State.ISSUING, State.TICKET])
def test_back_does_nothing_while_a_request_is_under_way_or_on_the_ends(flow, state):
    flow.state = state
    flow.back(now=0)
    assert flow.state is state


def test_cancel_from_anywhere_wipes_everything_and_resets_the_language(flow, seen):
    to_department(flow)
    flow.toggle_language(now=2)
    assert flow.language == "en"
    flow.cancel()
    assert (flow.state, flow.language, flow.message, flow.method) == (State.WELCOME, "vi", None, None)
    assert not flow.holds_personal_data and flow.departments == [] and seen[-1] is State.WELCOME


def test_the_language_toggle_keeps_the_screen_and_its_message(flow, seen):
    flow.start("vi", now=0)
    flow.choose_method("card", now=0)
    flow.identify_failed(OOPS, now=0)
    flow.toggle_language(now=5)
    assert (flow.state, flow.language, flow.message, flow.last_activity) == (State.IDENTIFY, "en", OOPS, 5)
    flow.toggle_language(now=6)
    assert flow.language == "vi" and seen[-2:] == [State.IDENTIFY, State.IDENTIFY]


def test_the_idle_timeout_wipes_the_patient_after_the_last_activity(flow):
    to_department(flow, now=100)
    flow.tick(now=159.9)
    assert flow.state is State.DEPARTMENT
    flow.touch(now=150)  # a tap anywhere on the screen
    flow.tick(now=209.9)
    assert flow.state is State.DEPARTMENT
    flow.tick(now=210)
    assert flow.state is State.WELCOME and not flow.holds_personal_data


def test_the_ticket_screen_clears_sooner_and_a_hung_worker_does_not_hold_the_screen(flow):
    to_department(flow, now=0)
    flow.choose_department("NOI", now=0)
    flow.tick(now=59)
    assert flow.state is State.ISSUING  # the request may still answer
    flow.tick(now=60)
    assert flow.state is State.WELCOME
    to_department(flow, now=100)
    flow.choose_department("NOI", now=100)
    flow.ticket_issued(TICKET, now=100)
    flow.tick(now=119)
    assert flow.state is State.TICKET
    flow.tick(now=120)
    assert flow.state is State.WELCOME and flow.ticket is None


def test_the_welcome_screen_never_times_out(flow, seen):
    flow.tick(now=10_000)
    assert seen == []


def test_personal_data_is_not_in_reprs():
    assert "001090012345" not in repr(CHIP) and "Nguyễn" not in repr(CHIP)
