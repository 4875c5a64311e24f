"""Vietnamese text helpers: NFC normalisation and accent/case folding for matching."""

from __future__ import annotations

import unicodedata

# đ/Đ are letters of their own, not d + a combining mark, so NFD leaves them alone.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    """NFC-normalise and collapse runs of whitespace."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold(text: str) -> str:
    """Accent- and case-insensitive key: 'Nguyễn Văn Ấn' -> 'nguyen van an'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA_FOLDS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def mask_personal_id(id_number: str) -> str:
    """Mask a 12-digit personal ID for logs and receipts: '001090012345' -> '0010******45'."""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 6) + id_number[-2:]


def mask_insurance_card(card_number: str) -> str:
    """Mask a BHYT card number for the kiosk screen: 'DN4010123456789' -> 'DN401*******789'."""
    return card_number[:5] + "*" * (len(card_number) - 8) + card_number[-3:]


def queue_number_text(number: int, *, provisional: bool = False) -> str:
    """A queue number as the screen shows it and the paper prints it: four digits ("0042"); a provisional
    number taken offline carries a "P" ("P10042") so staff see it is not yet from the hospital's sequence."""
    return f"P{number}" if provisional else f"{number:04d}"


def mask_name(full_name: str) -> str:
    """``Nguyễn Thị Ánh Tuyết`` -> ``N. T. Á. Tuyết``: the given name for the call-out, initials for the rest
    (queue screens, tickets, staff lists)."""
    words = full_name.split()
    if len(words) <= 1:
        return full_name.strip()
    return " ".join([f"{word[0]}." for word in words[:-1]] + [words[-1]])
