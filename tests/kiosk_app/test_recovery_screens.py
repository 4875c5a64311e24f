"""Screenshots of the account-recovery screen from the real Kivy window (offscreen SDL), every state, portrait
and landscape, normal and large text, saved under $CONGDAN_SCREENSHOTS (default /tmp/congdan-kiosk-screens)
as recovery-*.png for a person to look at; fails when text overflows or a button is too small."""

from __future__ import annotations

import pytest

from kiosk_app.recovery_flow import RecoveryFlow
from tests import faces
from tests.kiosk_app.test_screens import OUT, SIZES, _overflowing

ATTEMPT = {"attempt_id": "a" * 32, "prompt": "blink", "challenge_id": "c" * 32, "challenge": "AAAAAAAAAAA="}
CODE = "congdan-recover:Qm9uam91ciBsZSBtb25kZSBlbnRpZXI"


def _scenes() -> dict[str, RecoveryFlow]:
    photo = faces.chip_photo("hopper")[0]
    scenes = {}
    flow = RecoveryFlow()
    scenes["intro"] = flow
    flow = RecoveryFlow()
    flow.started(ATTEMPT, 0)
    scenes["card"] = flow
    flow = RecoveryFlow()
    flow.started({**ATTEMPT, "prompt": "turn_left"}, 0)
    flow.card_read({}, photo, 1)
    scenes["face-turn-left"] = flow
    flow = RecoveryFlow()
    flow.started(ATTEMPT, 0)
    flow.card_read({}, photo, 1)
    flow.frames_captured([b"f"] * 3, 2)
    scenes["checking"] = flow
    code = RecoveryFlow()
    code.started(ATTEMPT, 0)
    code.card_read({}, photo, 1)
    code.answered({"status": "code_issued", "recovery_code": CODE}, 2)
    scenes["code"] = code
    staff = RecoveryFlow()
    staff.started(ATTEMPT, 0)
    staff.card_read({}, photo, 1)
    staff.answered(
        {
            "status": "needs_staff",
            "message_vi": "Khuôn mặt chưa khớp với ảnh trong thẻ. Nhân viên sẽ đến hỗ trợ bạn.",
            "message_en": "Your face did not match the photo on the card. A member of staff will come to help you.",
        },
        2,
    )
    scenes["staff"] = staff
    refused = RecoveryFlow()
    refused.refused(
        {
            "message_vi": "Tài khoản đang bị cơ quan công an khóa. Vui lòng đến cơ quan công an nơi cư trú để mở khóa.",
            "message_en": "This account has been locked by the police. Please go to your local police office to "
            "unlock it.",
        },
        0,
    )
    scenes["refused-officer-lock"] = refused
    return scenes


@pytest.mark.parametrize("orientation", list(SIZES))
@pytest.mark.parametrize("text_size", ["normal", "large"])
def test_the_recovery_screen_renders_and_fits(orientation, text_size):
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk_app.screens.base import load_layouts
    from kiosk_app.screens.recovery import RecoveryScreen

    load_layouts()
    Window.size = SIZES[orientation]
    screen = RecoveryScreen()
    Window.add_widget(screen)
    screen.size, screen.pos = Window.size, (0, 0)
    screen.text_scale = 1.3 if text_size == "large" else 1.0
    OUT.mkdir(parents=True, exist_ok=True)
    problems = {}
    try:
        for name, flow in _scenes().items():
            screen.show_view(flow.view(now=30))
            for _ in range(3):
                EventLoop.idle()
            screen.export_to_png(str(OUT / f"recovery-{orientation}-{text_size}-{name}.png"))
            problems[name] = _overflowing(screen, Window.size)
        screen.clear()
        assert screen.picture is None
    finally:
        Window.remove_widget(screen)
    assert not any(problems.values()), problems
