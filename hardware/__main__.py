"""``python -m hardware``: see hardware/cli.py."""

import sys

from hardware.cli import main

sys.exit(main())
