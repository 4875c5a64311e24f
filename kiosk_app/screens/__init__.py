"""The kiosk's screens: one .py (behaviour) + .kv (layout) pair each. Screens get everything through the
app's controller; they never import hardware/ or requests."""

from kiosk_app.screens.base import load_layouts
from kiosk_app.screens.confirm import ConfirmScreen
from kiosk_app.screens.departments import DepartmentScreen
from kiosk_app.screens.identify import IdentifyScreen
from kiosk_app.screens.insurance import InsuranceScreen
from kiosk_app.screens.keypad import KeypadScreen
from kiosk_app.screens.locked import LockedScreen
from kiosk_app.screens.message import MessageScreen
from kiosk_app.screens.reading import ReadingScreen
from kiosk_app.screens.recovery import RecoveryScreen
from kiosk_app.screens.staff_pin import StaffPinScreen
from kiosk_app.screens.ticket import TicketScreen
from kiosk_app.screens.welcome import WelcomeScreen

ALL_SCREENS = (
    WelcomeScreen,
    IdentifyScreen,
    KeypadScreen,
    ReadingScreen,
    MessageScreen,
    ConfirmScreen,
    InsuranceScreen,
    DepartmentScreen,
    TicketScreen,
    LockedScreen,
    StaffPinScreen,
    RecoveryScreen,
)

__all__ = ["ALL_SCREENS", "load_layouts"]
