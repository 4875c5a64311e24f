"""Kiosk software updates: A/B installation slots with a boot guard (`slots`), the TUF client that verifies
releases (`verification`), the health check a new slot must pass (`selfcheck`, run from inside the slot) and
the agent that ties them to the fleet (`agent`). Plain Python, no Kivy."""
