"""The kiosk's colours, one place for the layouts (imported by base.kv) and for the contrast test: every
text / background pair the screens use passes WCAG 2.x AA (4.5:1 for body text)."""

NAVY = (0.05, 0.20, 0.42, 1)
TEAL = (0.0, 0.45, 0.42, 1)
GREY = (0.35, 0.38, 0.42, 1)
RED = (0.70, 0.10, 0.10, 1)
ORANGE = (0.72, 0.28, 0.0, 1)  # the call-for-staff button and the countdown: seen at once, still readable
PAPER = (0.97, 0.97, 0.95, 1)
INK = (0.08, 0.09, 0.11, 1)
WHITE = (1, 1, 1, 1)
PALE = (0.88, 0.90, 0.92, 1)  # keys, future steps, disabled buttons
DISABLED_TEXT = (0.25, 0.27, 0.30, 1)
NOTICE = (1.0, 0.95, 0.80, 1)  # the help and countdown banners

#: (text, background) pairs the layouts put text on.
TEXT_PAIRS = {
    "body": (INK, PAPER),
    "secondary": (GREY, PAPER),
    "error": (RED, PAPER),
    "title": (NAVY, PAPER),
    "button": (WHITE, TEAL),
    "quiet_button": (WHITE, GREY),
    "header": (WHITE, NAVY),
    "help_button": (WHITE, ORANGE),
    "key": (INK, PALE),
    "disabled": (DISABLED_TEXT, PALE),
    "step_future": (WHITE, GREY),
    "step_now": (WHITE, NAVY),
    "step_done": (WHITE, TEAL),
    "banner": (INK, NOTICE),
    "banner_alert": (RED, NOTICE),
}


def relative_luminance(colour) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground, background) -> float:
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
