"""Logging set-up: personal ID numbers never reach a log line unmasked, tracebacks included, and request
lines keep their query parameters' names but never their values (searched names, dates of birth)."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, quote

from shared_schemas.text import mask_personal_id

# 12-digit runs that are not part of a longer code (timestamps, card and decision numbers stay intact).
_PERSONAL_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])")
# A query string inside a logged request line: from "?" to the next space or quote.
_QUERY_IN_LINE = re.compile(r"\?([^\s\"']*)")
_FORMATTER = logging.Formatter()


def mask_text(text: str) -> str:
    return _PERSONAL_ID_RE.sub(lambda m: mask_personal_id(m.group(0)), text)


def redact_query(query: str) -> str:
    """`full_name=Nguyễn+Văn+An&date_of_birth=1990-01-01` -> `full_name=*&date_of_birth=*`: the log keeps
    which parameters were used, not what was searched for."""
    if not query:
        return query
    names = [name for name, _value in parse_qsl(query, keep_blank_values=True)] or ["?"]
    return "&".join(f"{quote(name, safe='')}=*" for name in names)


def redact_request_line(text: str) -> str:
    return _QUERY_IN_LINE.sub(lambda m: "?" + redact_query(m.group(1)), text)


class MaskPersonalIdFilter(logging.Filter):
    """Rewrites the formatted message, the traceback and the stack so `0010******45` is all a log
    reader sees (an exception's text often quotes the ID that caused it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the masked text is what every handler prints.
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


class RequestLineFilter(logging.Filter):
    """For request loggers (werkzeug's development server): query values out of the logged line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_request_line(message)
        if redacted != message:
            record.msg, record.args = redacted, None
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
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RequestLineFilter) for f in werkzeug.filters):
        werkzeug.addFilter(RequestLineFilter())
