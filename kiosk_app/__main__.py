"""`python -m kiosk_app [--smoke]`: run the kiosk against CONGDAN_API_URL (see kiosk_app.config)."""

import argparse
import os

os.environ.setdefault("KIVY_NO_ARGS", "1")  # our settings come from the environment, not Kivy's argv parser

# Options are read before Kivy is imported: Kivy takes over stderr, and a mistyped option must be seen.
parser = argparse.ArgumentParser(prog="python -m kiosk_app", description="congdan hospital check-in kiosk")
parser.add_argument("--smoke", action="store_true", help="build the app, draw two frames, exit 0")
options = parser.parse_args()

from kiosk_app.main import run  # noqa: E402

raise SystemExit(run(smoke=options.smoke))
