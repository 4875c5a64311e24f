"""`python -m kiosk_app [--smoke]`: run the kiosk against CONGDAN_API_URL (see kiosk_app.config).
`python -m kiosk_app --enroll CODE`: enroll this kiosk in the fleet once (the code comes from the fleet
dashboard); its device key and identity are kept in CONGDAN_KIOSK_DATA."""

import argparse
import os
import sys

os.environ.setdefault("KIVY_NO_ARGS", "1")  # our settings come from the environment, not Kivy's argv parser

# Options are read before Kivy is imported: Kivy takes over stderr, and a mistyped option must be seen.
parser = argparse.ArgumentParser(prog="python -m kiosk_app", description="congdan hospital check-in kiosk")
parser.add_argument("--smoke", action="store_true", help="build the app, draw two frames, exit 0")
parser.add_argument("--enroll", metavar="CODE", help="enroll this kiosk with a fleet enrollment code, then exit")
parser.add_argument("--serial", metavar="SERIAL", help="with --enroll: the device's serial number")
options = parser.parse_args()

if options.enroll:
    from kiosk_app.enroll import main as enroll_main  # no Kivy: enrolling needs no display

    raise SystemExit(enroll_main(options.enroll, serial_number=options.serial))

from kiosk_app.main import RESTART_EXIT_CODE, run  # noqa: E402

code = run(smoke=options.smoke)
if code == RESTART_EXIT_CODE and os.environ.get("CONGDAN_KIOSK_SLOTS"):
    # Running from an update slot: restart through the launcher (boot guard, health check of a new slot),
    # which must import from the base installation, not from this slot: leave the slot's folder first.
    os.chdir(os.environ["CONGDAN_KIOSK_SLOTS"])
    os.execv(sys.executable, [sys.executable, "-m", "kiosk_app.updater", "launch"])  # nosec B606
if code == RESTART_EXIT_CODE:  # the fleet asked for a restart: start afresh in this same process slot
    os.execv(sys.executable, [sys.executable, "-m", "kiosk_app", *sys.argv[1:]])
raise SystemExit(code)
