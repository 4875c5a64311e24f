"""`python tests/backend/updates/power_cut.py POINT`: the kiosk's `python -m kiosk_app.updater check`, killed
with SIGKILL (a power cut: no cleanup, no flush) at POINT — `download` (the package half fetched),
`before-switch` (slot unpacked and update journaled, `current` not yet switched) or `after-switch` (`current`
switched, the app not yet restarted)."""

from __future__ import annotations

import os
import signal
import sys

from kiosk_app.updater import slots
from kiosk_app.updater.__main__ import main


def power_cut() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def cut_during_download() -> None:
    from tuf.ngclient import urllib3_fetcher

    original = urllib3_fetcher.Urllib3Fetcher._fetch

    def fetch(self, url):
        chunks = original(self, url)
        if "/targets/" not in url:
            return chunks

        def first_chunk_then_cut():
            for chunk in chunks:
                yield chunk[: len(chunk) // 2]
                power_cut()

        return first_chunk_then_cut()

    urllib3_fetcher.Urllib3Fetcher._fetch = fetch


def cut_at_switch(*, after: bool) -> None:
    original = slots.SlotStore._point_current_at

    def point(self, slot):
        if after:
            original(self, slot)
        power_cut()

    slots.SlotStore._point_current_at = point


if __name__ == "__main__":
    where = sys.argv[1]
    if where == "download":
        cut_during_download()
    else:
        cut_at_switch(after=where == "after-switch")
    sys.exit(main(["check"]))
