"""Shared pieces of every screen: the header (title, step indicator, language), the banners (countdown,
help coming), the footer (one way back, call staff, large text, sound), and `show(flow)`."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

HERE = Path(__file__).parent
_LOADED: set[str] = set()


def load_layouts() -> None:
    """Load base.kv first (shared rules), then each screen's .kv, once."""
    for path in [HERE / "base.kv", *sorted(p for p in HERE.glob("*.kv") if p.name != "base.kv")]:
        if str(path) not in _LOADED:
            Builder.load_file(str(path))
            _LOADED.add(str(path))


class KioskScreen(Screen):
    """`show(flow)` puts the flow's data on screen; `clear()` wipes personal data from the widgets."""

    leave_key = StringProperty("back")  # texts.py key of the footer's one way back ("" for none)

    def show(self, flow) -> None:
        pass

    def clear(self) -> None:
        pass
