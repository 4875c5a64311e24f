"""Logging set-up: personal ID numbers never reach a log line unmasked."""

from __future__ import annotations

import logging
import re

from shared_schemas.text import mask_personal_id

# 12-digit runs that are not part of a longer code (timestamps, card and decision numbers stay intact).
_PERSONAL_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    return _PERSONAL_ID_RE.sub(lambda m: mask_personal_id(m.group(0)), text)


class MaskPersonalIdFilter(logging.Filter):
    """Rewrites the formatted message so `0010******45` is all a log reader sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_masking(logger: logging.Logger | None = None) -> None:
    """Attach the filter to every handler of the root logger (and future ones via the logger)."""
    root = logger or logging.getLogger()
    flt = MaskPersonalIdFilter()
    for handler in root.handlers:
        if not any(isinstance(f, MaskPersonalIdFilter) for f in handler.filters):
            handler.addFilter(flt)
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(flt)
        root.addHandler(handler)
        root.setLevel(logging.INFO)
