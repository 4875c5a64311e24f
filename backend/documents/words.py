"""Amounts in Vietnamese words as receipts write them ("Bằng chữ: Một triệu hai trăm năm mươi nghìn đồng").

num2words' Vietnamese reads each group of three digits correctly but drops the hundreds of inner groups
(1.005.000 → "một triệu năm nghìn") and says "lẻ"; accounting style writes every inner group in full
("một triệu không trăm linh năm nghìn") and uses "linh" throughout, so the groups are read here one by one."""

from __future__ import annotations

from num2words import num2words

_SCALES = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")


def _group(value: int, *, inner: bool) -> str:
    """One group of three digits; `inner` groups (not the leading one) always say their hundreds."""
    words = num2words(value, lang="vi").replace("lẻ", "linh")
    if inner and value < 100:
        words = "không trăm " + ("linh " + words if value < 10 else words)
    return words


def vietnamese_words(amount: int) -> str:
    """An integer in words, lower case, no unit: 1_250_000 → "một triệu hai trăm năm mươi nghìn"."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError("an amount is a non-negative integer number of đồng")
    if amount == 0:
        return "không"
    groups = []
    while amount:
        amount, rest = divmod(amount, 1000)
        groups.append(rest)
    if len(groups) > len(_SCALES):
        raise ValueError("amount too large to write in words")
    parts = []
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value == 0:
            continue
        leading = index == len(groups) - 1
        parts.append(_group(value, inner=not leading))
        if _SCALES[index]:
            parts.append(_SCALES[index])
    return " ".join(parts)


def amount_in_words(amount: int) -> str:
    """ "Một triệu hai trăm năm mươi nghìn đồng": capitalised, with the currency."""
    words = vietnamese_words(amount)
    return words[0].upper() + words[1:] + " đồng"


def amount_in_figures(amount: int) -> str:
    """1250000 → "1.250.000 đồng" (the dot groups thousands in Vietnamese)."""
    return f"{amount:,}".replace(",", ".") + " đồng"
