"""Welcome: choose the language to start."""

from kiosk_app.screens.base import KioskScreen


class WelcomeScreen(KioskScreen):
    pass
