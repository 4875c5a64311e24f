"""Raster rendering of ticket layouts with Pillow and the bundled DejaVu Sans: ESC/POS code pages do not
reliably cover Vietnamese, so text reaches the printer as pixels."""

from __future__ import annotations

import functools
import io
from importlib import resources

import segno
from PIL import Image, ImageDraw, ImageFont

from hardware.printer.ticket import (
    Align,
    Feed,
    LayoutElement,
    QrCode,
    QueueTicket,
    Rule,
    TextLine,
    layout_ticket,
)

#: 80 mm paper at 203 dpi has 576 printable dots; 58 mm paper has 384.
DEFAULT_PAPER_WIDTH_PX = 576
_MARGIN_PX = 8
_LINE_GAP_PX = 6
_FEED_PX = 24


@functools.lru_cache(maxsize=16)
def load_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    with resources.as_file(resources.files("hardware.printer") / "fonts" / name) as path:
        return ImageFont.truetype(str(path), size)


def wrap_text(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word longer than a line is cut between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while font.getlength(word) > width:
            cut = max(1, max(i for i in range(1, len(word) + 1) if font.getlength(word[:i]) <= width or i == 1))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines or [""]


def _headroom(line: str, font: ImageFont.FreeTypeFont) -> int:
    """Pixels a line's marks reach above the font's ascent. Vietnamese capitals stack two marks (Ỉ, Ắ, Ề):
    drawn from the ascent line they would be cut at the strip's top edge, and "TỈNH" would print as "TÍNH"."""
    ascent, _ = font.getmetrics()
    top = font.getbbox(line, anchor="ls")[1]  # negative: how far above the baseline the ink goes
    return max(0, -top - ascent + 1)


def render_text_elements(elements: list[LayoutElement], width: int = DEFAULT_PAPER_WIDTH_PX) -> Image.Image:
    """Text lines, rules and feeds as one greyscale strip, black on white."""
    inner = width - 2 * _MARGIN_PX
    rows: list[tuple[str, ImageFont.FreeTypeFont, Align, int] | int] = []  # int = a rule (-1) or blank pixels
    height = 0
    for element in elements:
        if isinstance(element, TextLine):
            font = load_font(element.size.value, element.bold)
            ascent, descent = font.getmetrics()
            for line in wrap_text(element.text, font, inner):
                headroom = _headroom(line, font)
                rows.append((line, font, element.align, headroom))
                height += headroom + ascent + descent + _LINE_GAP_PX
        elif isinstance(element, Rule):
            rows.append(-1)
            height += 12
        elif isinstance(element, Feed):
            rows.append(element.lines * _FEED_PX)
            height += element.lines * _FEED_PX
        else:
            raise TypeError(f"not a text element: {element!r}")
    image = Image.new("L", (width, max(height, 1)), 255)
    draw = ImageDraw.Draw(image)
    y = 0
    for row in rows:
        if row == -1:
            draw.line([(_MARGIN_PX, y + 5), (width - _MARGIN_PX, y + 5)], fill=0, width=2)
            y += 12
        elif isinstance(row, int):
            y += row
        else:
            line, font, align, headroom = row
            x = _MARGIN_PX if align is Align.LEFT else (width - font.getlength(line)) / 2
            draw.text((x, y + headroom), line, font=font, fill=0)
            ascent, descent = font.getmetrics()
            y += headroom + ascent + descent + _LINE_GAP_PX
    # Thermal heads print dots, not greys: threshold so what the preview shows is what the paper gets.
    return image.point(lambda value: 0 if value < 128 else 255)


def render_qr(data: str, module_px: int, width: int = DEFAULT_PAPER_WIDTH_PX) -> Image.Image:
    """A QR code centred on a paper-wide strip (the image fallback for printers without native QR)."""
    code = segno.make(data, error="m", micro=False, encoding="utf-8")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=module_px, border=2)
    buffer.seek(0)
    qr = Image.open(buffer).convert("L")
    strip = Image.new("L", (width, qr.height), 255)
    strip.paste(qr, ((width - qr.width) // 2, 0))
    return strip


def chunk_layout(elements: list[LayoutElement]) -> list[list[LayoutElement] | QrCode]:
    """Consecutive text elements grouped into one image each; QR codes on their own."""
    chunks: list[list[LayoutElement] | QrCode] = []
    for element in elements:
        if isinstance(element, QrCode):
            chunks.append(element)
        elif chunks and isinstance(chunks[-1], list):
            chunks[-1].append(element)
        else:
            chunks.append([element])
    return chunks


def render_layout(elements: list[LayoutElement], width: int = DEFAULT_PAPER_WIDTH_PX) -> Image.Image:
    parts = [
        render_qr(chunk.data, chunk.module_px, width)
        if isinstance(chunk, QrCode)
        else render_text_elements(chunk, width)
        for chunk in chunk_layout(elements)
    ]
    image = Image.new("L", (width, sum(part.height for part in parts) or 1), 255)
    y = 0
    for part in parts:
        image.paste(part, (0, y))
        y += part.height
    return image


def render_png(ticket: QueueTicket, width: int = DEFAULT_PAPER_WIDTH_PX) -> bytes:
    """A PNG preview of the ticket as it will come out of the printer."""
    buffer = io.BytesIO()
    render_layout(layout_ticket(ticket), width).save(buffer, format="PNG")
    return buffer.getvalue()
