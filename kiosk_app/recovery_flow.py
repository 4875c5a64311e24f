"""Recovering an identity account at the kiosk (plain Python, no Kivy): "Khôi phục tài khoản" → the chip card
read with the backend's challenge → the face in front of the camera doing what the screen asks (blink or turn)
→ the backend's answer: a one-time QR for the new phone, or a member of staff who compares the face with the
chip photo on this screen, or a plain refusal. The chip photo and the camera frames are held only until the
attempt ends and are wiped with it."""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass

#: What the person is asked to do, Vietnamese first (large), English second. Directions are the person's own.
PROMPTS = {
    "blink": ("Nhìn thẳng vào camera và chớp mắt hai lần", "Look straight at the camera and blink twice"),
    "turn_left": (
        "Nhìn vào camera, rồi quay đầu chậm sang bên trái của bạn",
        "Look at the camera, then slowly turn your head to your left",
    ),
    "turn_right": (
        "Nhìn vào camera, rồi quay đầu chậm sang bên phải của bạn",
        "Look at the camera, then slowly turn your head to your right",
    ),
}
CODE_SECONDS = 5 * 60  # the backend's code lifetime: the QR leaves the screen with it
IDLE_SECONDS = 90  # nobody at the kiosk any more: wipe and go back


class RecoveryState(enum.StrEnum):
    INTRO = "intro"  # what is needed: the chip card and your face; a new phone with the app
    READING_CARD = "reading_card"
    FACE = "face"  # the prompt, while the camera takes frames
    CHECKING = "checking"
    CODE = "code"  # the one-time QR for the new phone
    STAFF = "staff"  # assisted: chip photo shown, waiting for a member of staff to confirm
    REFUSED = "refused"


@dataclass(frozen=True)
class RecoveryView:
    """What the screen shows: Vietnamese first, English second, at most one picture and one button."""

    state: str
    title_vi: str
    title_en: str
    body_vi: str
    body_en: str
    button_vi: str = ""
    button_en: str = ""
    qr_text: str | None = None
    photo_jpeg: bytes | None = None
    staff_line: str = ""  # assisted screen only: what the member of staff checks


class RecoveryFlow:
    def __init__(self) -> None:
        self.state = RecoveryState.INTRO
        self._reset()

    def _reset(self) -> None:
        self.attempt: dict | None = None
        self.evidence: dict | None = None
        self.chip_photo: bytes | None = None
        self.frames: list[bytes] | None = None
        self.code: str | None = None
        self.message: tuple[str, str] | None = None
        self.deadline: float | None = None
        self.last_activity = 0.0

    def wipe(self) -> None:
        """End the attempt: the photo, the frames, the chip read and the code leave memory."""
        self._reset()
        self.state = RecoveryState.INTRO

    # --- events ----------------------------------------------------------------------------------------
    def started(self, attempt: dict, now: float) -> None:
        self.attempt, self.last_activity = attempt, now
        self.state = RecoveryState.READING_CARD

    def card_read(self, evidence: dict, photo_jpeg: bytes | None, now: float) -> None:
        self.evidence, self.chip_photo, self.last_activity = evidence, photo_jpeg, now
        self.state = RecoveryState.FACE

    def frames_captured(self, frames: list[bytes], now: float) -> dict:
        """The request body for the backend: the chip read and the frames (base64 JPEG, capture order)."""
        self.frames, self.last_activity = frames, now
        self.state = RecoveryState.CHECKING
        return {"chip": self.evidence, "frames": [base64.b64encode(frame).decode("ascii") for frame in frames]}

    def answered(self, body: dict, now: float) -> None:
        """The backend's answer to the evidence, or to a poll while staff decide."""
        self.frames = None  # sent and judged: the kiosk keeps no frame
        self.last_activity = now
        if body.get("recovery_code"):
            self.code, self.deadline = body["recovery_code"], now + CODE_SECONDS
            self.chip_photo = None
            self.state = RecoveryState.CODE
        elif body.get("status") == "needs_staff":
            self.message = (body.get("message_vi") or "", body.get("message_en") or "")
            self.state = RecoveryState.STAFF
        elif body.get("status") == "refused":
            self._refuse(body)
        # "approved" without a code yet: keep waiting on the staff screen

    def refused(self, problem: dict, now: float) -> None:
        self.last_activity = now
        self._refuse(problem)

    def _refuse(self, problem: dict) -> None:
        vi = problem.get("message_vi") or "Không thể khôi phục tài khoản lúc này. Vui lòng đến quầy hỗ trợ."
        en = problem.get("message_en") or "Your account cannot be recovered right now. Please go to the help desk."
        self.evidence = self.chip_photo = self.frames = self.code = None
        self.message = (vi, en)
        self.state = RecoveryState.REFUSED

    def tick(self, now: float) -> None:
        """Once a second: the QR goes with the code's lifetime; an abandoned attempt is wiped."""
        if self.state == RecoveryState.CODE and self.deadline is not None and now >= self.deadline:
            self.wipe()
        elif self.state not in (RecoveryState.INTRO, RecoveryState.CODE) and now - self.last_activity > IDLE_SECONDS:
            self.wipe()

    # --- what the screen shows ---------------------------------------------------------------------------
    def view(self, now: float = 0.0) -> RecoveryView:
        state = self.state
        if state == RecoveryState.INTRO:
            return RecoveryView(
                state,
                "Khôi phục tài khoản",
                "Recover your account",
                "Cần: thẻ căn cước gắn chip của bạn và khuôn mặt của bạn. Điện thoại mới đã cài ứng dụng.",
                "You need: your chip ID card and your face. A new phone with the app installed.",
                "Bắt đầu",
                "Start",
            )
        if state == RecoveryState.READING_CARD:
            return RecoveryView(
                state,
                "Đặt thẻ căn cước lên đầu đọc",
                "Place your ID card on the reader",
                "Đưa mã QR mặt sau thẻ vào camera, rồi giữ thẻ yên trên đầu đọc cho đến khi nghe tiếng báo.",
                "Show the QR on the back of the card to the camera, then keep the card still on the reader "
                "until you hear the sound.",
            )
        if state == RecoveryState.FACE:
            vi, en = PROMPTS[(self.attempt or {}).get("prompt", "blink")]
            return RecoveryView(state, vi, en, "Máy đang chụp ảnh khuôn mặt.", "The camera is taking pictures.")
        if state == RecoveryState.CHECKING:
            return RecoveryView(state, "Đang kiểm tra…", "Checking…", "Vui lòng chờ.", "Please wait.")
        if state == RecoveryState.CODE:
            left = max(0, int((self.deadline or now) - now))
            return RecoveryView(
                state,
                "Quét mã này bằng ứng dụng trên điện thoại mới",
                "Scan this code with the app on your new phone",
                f"Mã dùng một lần, hết hạn sau {left // 60} phút {left % 60:02d} giây. "
                "Các thiết bị cũ sẽ bị đăng xuất.",
                f"One-time code, expires in {left // 60} min {left % 60:02d} s. Your old devices will be signed out.",
                "Xong",
                "Done",
                qr_text=self.code,
            )
        if state == RecoveryState.STAFF:
            vi, en = self.message or ("", "")
            return RecoveryView(
                state,
                "Nhân viên đang đến hỗ trợ",
                "A member of staff is coming",
                vi,
                en,
                "Huỷ",
                "Cancel",
                photo_jpeg=self.chip_photo,
                staff_line="Nhân viên: so khuôn mặt với ảnh trong thẻ, rồi xác nhận trên máy của bạn. / "
                "Staff: compare the face with the card photo, then confirm on your device.",
            )
        vi, en = self.message or ("", "")
        return RecoveryView(state, "Chưa khôi phục được", "Not recovered", vi, en, "Về màn hình chính", "Back to start")
