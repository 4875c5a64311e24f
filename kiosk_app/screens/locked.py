"""Out of service: shown while a fleet administrator has locked the kiosk (Vietnamese first, English
second, with the administrator's note if there is one). Nothing on it can be pressed."""

from kiosk_app.screens.base import KioskScreen


class LockedScreen(KioskScreen):
    pass
