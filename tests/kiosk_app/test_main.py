"""`python -m kiosk_app` starts: the real entry point, headless, against the live backend, with --smoke
(build the app, draw two frames on the welcome screen, exit 0)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_kiosk_app_smoke_starts_and_exits_cleanly(live_backend, tmp_path):
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "offscreen",
        "KIVY_NO_CONSOLELOG": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(tmp_path / "kivy"),
        "CONGDAN_API_URL": live_backend.url,
        "CONGDAN_KIOSK_PASSWORD": "kiosk-test-password",
        "CONGDAN_KIOSK_DATA": str(tmp_path / "kiosk"),
        "CONGDAN_KIOSK_SIZE": "1920x1080",
        "PYTHONWARNINGS": "error",
    }
    done = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "--smoke"], cwd=ROOT, env=env, timeout=60, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "kiosk" / "outbox.sqlite3").exists()


def test_an_unknown_option_is_refused(tmp_path):
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "offscreen",
        "KIVY_NO_CONSOLELOG": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(tmp_path / "kivy"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "--fullscreen-please"],
        cwd=ROOT,
        env=env,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr
