"""Hostile JSON bodies are refused with a 400 problem before any view parses them.

Python's json module answers some inputs with exceptions no parser downstream expects: deep nesting
raises RecursionError, an integer of more than 4,300 digits ValueError (sys.int_max_str_digits), and
`NaN` / `Infinity` are accepted although JSON has no such values. Each of those once turned a public
route into a 500. The guard parses every JSON request body once, with a nesting cap, integers bounded
to what a 64-bit column holds, and no constants; the views' own parsers then only see sound JSON.

The guard's parse is kept (`remember` / `take`): the API's argument parser (backend/api.py) loads the body from it
instead of parsing it a second time. It is kept only when it is exactly what that parser would have produced:
the body decoded as strict UTF-8, as webargs decodes it (json.loads of bytes would also accept a BOM, UTF-16/32
and lone surrogates, which webargs refuses as invalid JSON).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 32
MAX_INT_DIGITS = 19  # |n| < 2**63: no column of ours holds more
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_PARSED = "congdan.json_body"  # the request's attribute holding (body, parsed value)
MALFORMED: Any = object()  # check()'s answer for a body that is not JSON the views' parser accepts


class HostileJson(ValueError):
    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


def nesting_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, counted without recursion (strings skipped)."""
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(accumulate(1 if b in (0x5B, 0x7B) else -1 for b in brackets))


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS or abs(value := int(text)) >= 2**63:
        raise HostileJson(
            "number-out-of-range",
            "Một số nguyên trong nội dung JSON vượt quá giới hạn (±2^63). / "
            "An integer in the JSON body is out of range (±2^63).",
        )
    return value


def _no_constant(name: str):
    raise HostileJson("invalid-json", f"JSON không có giá trị {name}. / JSON has no value {name}.")


def check(body: bytes) -> Any:
    """Raise HostileJson when the body is JSON no view should have to parse; else the parsed value (what
    webargs' parse_json gives for it), or MALFORMED when that parser refuses the body (it answers it: 400)."""
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and nesting_depth(body) > MAX_DEPTH:
        raise HostileJson(
            "json-too-deep",
            f"Nội dung JSON lồng quá sâu (tối đa {MAX_DEPTH} cấp). / "
            f"The JSON body is nested too deeply (at most {MAX_DEPTH} levels).",
        )
    try:
        return json.loads(body.decode("utf-8"), parse_int=_bounded_int, parse_constant=_no_constant)
    except HostileJson:
        raise
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        pass
    # Malformed for the views' parser. Still checked as bytes, as the guard always did (json.loads also reads a
    # BOM, UTF-16/32), so that a hostile value in such a body gets the same answer as before.
    try:
        json.loads(body, parse_int=_bounded_int, parse_constant=_no_constant)
    except HostileJson:
        raise
    except (ValueError, RecursionError):
        pass
    return MALFORMED


def remember(request, body: bytes, value: Any) -> None:
    """Keep the guard's parse of this request's body for the argument parser."""
    if value is not MALFORMED:
        setattr(request, _PARSED, (body, value))


def take(request, body: bytes) -> Any:
    """The kept parse of exactly this body (the same bytes object), once; MALFORMED when there is none. Once:
    a schema's pre_load may change what it is given, so a second parse of the request gets a fresh value."""
    kept = getattr(request, _PARSED, None)
    if kept is None or kept[0] is not body:
        return MALFORMED
    setattr(request, _PARSED, None)
    return kept[1]
