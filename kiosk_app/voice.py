"""Voice prompts: what the kiosk says at each step (Vietnamese first, English for the English flow), which
prompt belongs to a flow state, and rendering them to WAV files at build time with Debian's `espeak-ng`
(`make kiosk-voice`, or `python -m kiosk_app.voice`). The kiosk plays the files; it never synthesises
speech while a patient waits. A manifest of text hashes makes a changed prompt render again."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import subprocess  # nosec B404
import sys
from pathlib import Path

log = logging.getLogger(__name__)  # espeak-ng runs with a fixed argument list, never through a shell

VOICE_DIR = Path(__file__).parent / "assets" / "voice"
ESPEAK_VOICES = {"vi": "vi", "en": "en-gb"}
WORDS_PER_MINUTE = 135  # slower than espeak's 175: the listeners are old and the hall is noisy

PROMPTS = {
    "identify": (
        "Bước một. Hãy chọn cách xác thực: thẻ căn cước gắn chip, mã QR, hoặc nhập số cho trẻ em.",
        "Step one. Choose how to identify: chip ID card, QR code, or type the number for a child.",
    ),
    "identify_again": (
        "Chưa đọc được. Xin mời thử lại, hoặc bấm gọi nhân viên.",
        "That did not work. Please try again, or press call staff.",
    ),
    "reading_card": (
        "Đặt thẻ căn cước lên đầu đọc, như trong hình, và giữ yên.",
        "Place your ID card on the reader, as in the picture, and hold it still.",
    ),
    "reading_qr": (
        "Đưa mã QR vào trước camera, như trong hình, và giữ yên.",
        "Hold the QR code in front of the camera, as in the picture, and keep it still.",
    ),
    "typing": (
        "Nhập mười hai số định danh, rồi ngày sinh.",
        "Type the twelve digit ID number, then the date of birth.",
    ),
    "typing_child": (
        "Nhập mười hai số định danh của trẻ, rồi ngày sinh của trẻ.",
        "Type the child's twelve digit ID number, then the child's date of birth.",
    ),
    "confirm": (
        "Bước hai. Đây có phải là bạn không? Nếu đúng, bấm Đúng, tiếp tục.",
        "Step two. Is this you? If it is, press Yes, continue.",
    ),
    "confirm_child": (
        "Bước hai. Đây có phải là trẻ bạn đưa đi khám không? Nếu đúng, bấm Đúng, tiếp tục.",
        "Step two. Is this the child you are checking in? If it is, press Yes, continue.",
    ),
    "insurance": (
        "Bước ba. Đây là quyền lợi bảo hiểm y tế. Hãy chọn khám bảo hiểm, hoặc khám dịch vụ tự chi trả.",
        "Step three. This is what health insurance pays. Choose an insured visit, or a self-paid visit.",
    ),
    "department": ("Bước bốn. Chọn phòng khám bạn cần.", "Step four. Choose the clinic you need."),
    "ticket": (
        "Bước năm. Đây là số thứ tự của bạn. Hãy nhận phiếu in, rồi đến phòng khám ghi trên màn hình.",
        "Step five. This is your queue number. Take the printed ticket and go to the clinic on the screen.",
    ),
    "ticket_provisional": (
        "Đây là số tạm vì ki-ốt đang mất mạng. Hãy nhận phiếu và đến phòng khám.",
        "This is a provisional number because the kiosk is offline. Take the ticket and go to the clinic.",
    ),
    "ticket_not_printed": (
        "Máy in không in được phiếu. Hãy nhớ số trên màn hình. Nhân viên đã được báo.",
        "The printer could not print your ticket. Please remember the number on the screen. Staff have been told.",
    ),
    "error": (
        "Chưa hoàn tất được. Hãy bấm thử lại, hoặc gọi nhân viên.",
        "This was not completed. Press try again, or call staff.",
    ),
    "countdown": (
        "Màn hình sắp trở về đầu. Nếu bạn cần thêm thời gian, hãy bấm vào màn hình.",
        "The screen will start over soon. If you need more time, touch the screen.",
    ),
    "help_coming": ("Đã gọi nhân viên. Xin vui lòng chờ tại đây.", "Staff have been called. Please wait here."),
    "help_failed": (
        "Chưa gọi được nhân viên. Xin mời đến quầy tiếp đón số một.",
        "Staff could not be called. Please go to reception counter one.",
    ),
    "staff_pin": ("Nhân viên nhập mã PIN.", "Staff: type your PIN."),
}

#: The prompt of each screen, by flow state value (flow.State is a StrEnum: its members equal these).
_PROMPT_OF = {
    "identify": "identify",
    "typing": "typing",
    "confirm": "confirm",
    "insurance": "insurance",
    "department": "department",
    "ticket": "ticket",
    "error": "error",
    "staff_pin": "staff_pin",
}


def voice_prompt(flow) -> str | None:
    """The prompt for the screen the flow is on (the child's wording when a parent checks in a child)."""
    state = flow.state
    if state == "reading":
        return "reading_card" if flow.method == "card" else "reading_qr"
    if state == "identify" and flow.message is not None:
        return "identify_again"
    prompt = _PROMPT_OF.get(state)
    if prompt in ("typing", "confirm") and flow.for_child:
        return prompt + "_child"
    if state == "ticket" and flow.ticket is not None and flow.ticket.provisional:
        return "ticket_provisional"
    return prompt


def prompt_path(name: str, language: str, directory: Path = VOICE_DIR) -> Path:
    return directory / language / f"{name}.wav"


def _digest(text: str, language: str) -> str:
    return hashlib.sha256(f"{ESPEAK_VOICES[language]}|{WORDS_PER_MINUTE}|{text}".encode()).hexdigest()[:16]


def missing_prompts(directory: Path = VOICE_DIR) -> list[str]:
    """Prompts with no file, or rendered from an older text."""
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    missing = []
    for name, texts in PROMPTS.items():
        for language, text in zip(("vi", "en"), texts, strict=True):
            key = f"{language}/{name}"
            if manifest.get(key) != _digest(text, language) or not prompt_path(name, language, directory).exists():
                missing.append(key)
    return missing


def render(directory: Path = VOICE_DIR, *, espeak: str | None = None, force: bool = False) -> list[str]:
    """Render every prompt that is missing or stale; returns what was rendered."""
    espeak = espeak or shutil.which("espeak-ng")
    if espeak is None:
        raise RuntimeError("espeak-ng is not installed (Debian package espeak-ng)")
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    todo = [f"{lang}/{name}" for name in PROMPTS for lang in ("vi", "en")] if force else missing_prompts(directory)
    for key in todo:
        language, name = key.split("/")
        text = PROMPTS[name][0 if language == "vi" else 1]
        target = prompt_path(name, language, directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [espeak, "-v", ESPEAK_VOICES[language], "-s", str(WORDS_PER_MINUTE), "-w", str(target), text],
            check=True,
            capture_output=True,
            timeout=60,
        )  # nosec B603
        manifest[key] = _digest(text, language)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return todo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the kiosk's voice prompts with espeak-ng")
    parser.add_argument("--dir", type=Path, default=VOICE_DIR)
    parser.add_argument("--force", action="store_true", help="render every prompt again")
    parser.add_argument("--check", action="store_true", help="exit 1 when a prompt is missing or stale")
    args = parser.parse_args(argv)
    if args.check:
        missing = missing_prompts(args.dir)
        print(f"{len(missing)} prompts missing or stale" + (f": {', '.join(missing)}" if missing else ""))
        return 1 if missing else 0
    done = render(args.dir, force=args.force)
    print(f"rendered {len(done)} prompts into {args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
