"""Showing text a citizen wrote inside a notification to someone else: bounded, without control or
formatting characters (no bidi overrides, no new lines that fake a second message), and set off as a quote."""

from __future__ import annotations

import unicodedata

MAX_QUOTED = 120


def quoted(text: str, limit: int = MAX_QUOTED) -> str:
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
        for ch in unicodedata.normalize("NFC", text or "")
    )
    cleaned = " ".join(cleaned.split()).replace("“", '"').replace("”", '"')
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return f"“{cleaned}”"
