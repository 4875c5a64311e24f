"""A kiosk process that only syncs its outbox, slowly: each answer is held a moment before it is recorded,
so a SIGKILL from the test lands between "the backend did it" and "the outbox knows" as often as not.

    python tests/faults/kiosk_sync_child.py OUTBOX URL USERNAME PASSWORD DELAY_S
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk_app.services.api import ApiClient
from kiosk_app.services.outbox import Outbox


class SlowAnswers:
    def __init__(self, api: ApiClient, delay_s: float) -> None:
        self.api, self.delay_s = api, delay_s

    def __getattr__(self, name):
        real = getattr(self.api, name)

        def call(*args, **kwargs):
            result = real(*args, **kwargs)
            time.sleep(self.delay_s)
            return result

        return call


def main() -> None:
    outbox_path, url, username, password, delay = sys.argv[1:6]
    api = ApiClient(url, username, password, timeout_s=5)
    print("syncing", flush=True)
    Outbox(outbox_path).sync(SlowAnswers(api, float(delay)))
    print("done", flush=True)


if __name__ == "__main__":
    main()
