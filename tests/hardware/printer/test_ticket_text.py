"""The printed ticket says what the screen says: where to go, the same number format, every accent whole."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hardware.printer import TextLine, TextSize, layout_ticket
from hardware.printer.render import load_font, render_text_elements
from shared_schemas.text import queue_number_text


def _huge(elements) -> str:
    return next(e.text for e in elements if isinstance(e, TextLine) and e.size is TextSize.HUGE)


def test_room_and_floor_are_printed_under_the_department(ticket):
    lines = [
        e.text for e in layout_ticket(replace(ticket, location="Phòng 203, tầng 2, nhà A")) if isinstance(e, TextLine)
    ]
    assert lines[lines.index(ticket.department) + 1] == "Phòng 203, tầng 2, nhà A"
    assert "Phòng 203, tầng 2, nhà A" not in [e.text for e in layout_ticket(ticket) if isinstance(e, TextLine)]


@pytest.mark.parametrize("number, provisional, printed", [(7, False, "0007"), (10_042, True, "P10042")])
def test_number_is_printed_as_the_screen_shows_it(ticket, number, provisional, printed):
    paper = _huge(layout_ticket(replace(ticket, queue_number=number, provisional=provisional)))
    assert paper == printed == queue_number_text(number, provisional=provisional)


@pytest.mark.parametrize("text", ["TỈNH BẮC NINH", "BỆNH VIỆN", "KHOA NGOẠI", "TẦNG", "Ở"])
@pytest.mark.parametrize("size", [TextSize.NORMAL, TextSize.LARGE])
def test_stacked_marks_on_capitals_are_not_cut_off(text, size):
    """The ink of a first line reaches exactly as high as the glyphs do: nothing is cut at the strip's top."""
    font = load_font(size.value, True)
    strip = np.asarray(render_text_elements([TextLine(text, size, bold=True)]))
    inked_rows = np.flatnonzero((strip < 128).any(axis=1))
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    assert inked_rows[0] > 0, "ink touches the top edge: marks above the capitals were clipped"
    assert inked_rows[-1] - inked_rows[0] + 1 >= (bottom - top) - 2
