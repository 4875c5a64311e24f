"""Settings for every test process."""

from __future__ import annotations

import os

# A served app freezes what it built out of the garbage collector (backend/app.py); a test process builds many
# apps, some with development or production settings, and would keep every one. Servers the tests start inherit
# this too; tests/backend/test_app.py checks the served default in a process of its own.
os.environ.setdefault("GC_FREEZE", "0")
