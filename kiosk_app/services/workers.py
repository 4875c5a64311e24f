"""Run device and network work off the UI thread; hand the result back on the Kivy main thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import mainthread


@mainthread
def _post(callback: Callable[[Any], None], value: Any) -> None:
    callback(value)


def run_in_background(
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    *,
    name: str = "kiosk-worker",
) -> threading.Thread:
    def target() -> None:
        try:
            result = work()
        except Exception as exc:
            _post(on_error, exc)
            return
        _post(on_done, result)

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
