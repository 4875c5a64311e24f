"""PDF rendering of signed documents in the layout of an official Vietnamese administrative document: the
issuing agency and the national motto side by side, number, place-and-date line, title, legal basis, content,
amounts in figures and words, signer and seal block; Vietnamese first with English beneath. Two QR codes: a
short link a phone opens, and the signed payload for offline verifiers. DejaVu is embedded (it has every
Vietnamese letter); QR codes are drawn as vector squares so they stay sharp at any resolution."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import segno
from fpdf import FPDF
from num2words import num2words

from backend.documents.authorities import Authority
from backend.documents.templates import LegalSource
from backend.documents.words import amount_in_figures, amount_in_words
from shared_schemas.clock import VIETNAM_TZ

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"
LINK_QR_MM = 30  # 2.6 px per module at 72 dpi for a version-3 code: what zbar still reads on a screen
TOKEN_QR_MM = 42
_RED = (190, 20, 20)


@dataclass(frozen=True)
class Line:
    """One row of the document: a bilingual label and its value."""

    label_vi: str
    label_en: str
    value: str


@dataclass(frozen=True)
class AmountItem:
    label_vi: str
    label_en: str
    amount: int  # đồng


@dataclass(frozen=True)
class Amounts:
    """A receipt's money: its parts (fine, late surcharge, fee, ...) and their total."""

    items: tuple[AmountItem, ...]

    @property
    def total(self) -> int:
        return sum(item.amount for item in self.items)


@dataclass(frozen=True)
class DocumentLayout:
    title_vi: str
    title_en: str
    authority: Authority
    number: str
    lines: list[Line]
    issued_at: datetime
    expires_at: datetime
    verify_url: str  # the short link, as printed
    link_qr_text: str  # the same link as the QR holds it (upper case when that makes the code smaller)
    form_vi: str | None = None
    legal_basis: tuple[LegalSource, ...] = ()
    amounts: Amounts | None = None
    note_vi: str = ""
    note_en: str = ""
    english: bool = True
    signed_by: str = ""  # the subject of the signing certificate, printed in the signature block
    keywords: dict[str, str] = field(default_factory=dict)


def render_pdf(layout: DocumentLayout, token: str) -> bytes:
    # PDF/A-2B for archiving: fpdf2 adds the sRGB output intent and the XMP identification (not validated
    # here with veraPDF); the PAdES signature is an incremental update, which PDF/A-2 allows.
    pdf = FPDF(format="A4", unit="mm", enforce_compliance="PDF/A-2B")
    # A fixed creation date makes the bytes depend only on the content (reproducible renders).
    pdf.set_creation_date(layout.issued_at)
    pdf.set_title(_nfc(layout.title_vi))
    pdf.set_author(_nfc(layout.authority.name_vi))
    pdf.set_subject(f"congdan-document:{layout.number}")
    pdf.set_keywords(f"congdan-jws:{token}")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _header(pdf, layout)
    _title(pdf, layout)
    _legal_basis(pdf, layout)
    _content(pdf, layout)
    if layout.amounts is not None:
        _amounts(pdf, layout.amounts, layout.english)
    _notes(pdf, layout)
    _closing(pdf, layout, token)
    return bytes(pdf.output())


def _header(pdf: FPDF, layout: DocumentLayout) -> None:
    authority, left_w = layout.authority, 78
    right_x, right_w = pdf.l_margin + left_w, pdf.w - pdf.r_margin - pdf.l_margin - left_w
    top = pdf.get_y()
    if layout.form_vi:
        pdf.set_font(FONT, "", 7.5)
        pdf.set_xy(right_x, top - 6)
        pdf.cell(right_w, 4, _nfc(layout.form_vi), align="R")
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(left_w, 4.6, _nfc(authority.parent_vi), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 9.5)
    pdf.multi_cell(left_w, 4.6, _nfc(authority.name_vi).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    _rule(pdf, pdf.l_margin + left_w / 2, pdf.get_y() + 0.8, 24)
    pdf.ln(2.5)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(left_w, 5, f"Số: {layout.number}", align="C", new_x="LMARGIN", new_y="NEXT")
    if layout.english:
        pdf.set_font(FONT, "", 7)
        pdf.multi_cell(left_w, 3.5, _nfc(authority.name_en), align="C", new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()

    pdf.set_xy(right_x, top)
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(right_w, 4.6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 10)
    pdf.cell(right_w, 5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LEFT", new_y="NEXT")
    _rule(pdf, right_x + right_w / 2, pdf.get_y() + 0.3, 52)
    pdf.set_xy(right_x, pdf.get_y() + 1.5)  # ln() would go back to the left margin
    if layout.english:
        pdf.set_font(FONT, "", 7)
        pdf.multi_cell(
            right_w,
            3.5,
            "Socialist Republic of Viet Nam\nIndependence - Freedom - Happiness",
            align="C",
            new_x="LEFT",
            new_y="NEXT",
        )
    pdf.set_xy(right_x, pdf.get_y() + 2)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(right_w, 5, _place_date_vi(authority.place, layout.issued_at), align="C", new_x="LEFT", new_y="NEXT")
    if layout.english:
        pdf.set_font(FONT, "", 7)
        pdf.multi_cell(
            right_w, 3.5, _place_date_en(authority.place, layout.issued_at), align="C", new_x="LEFT", new_y="NEXT"
        )
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 5)


def _title(pdf: FPDF, layout: DocumentLayout) -> None:
    width = _width(pdf)
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(width, 7, _nfc(layout.title_vi).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    if layout.english:
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(width, 5, _nfc(layout.title_en), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _legal_basis(pdf: FPDF, layout: DocumentLayout) -> None:
    width = _width(pdf)
    for source in layout.legal_basis:
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(width, 4.2, f"Căn cứ {_nfc(source.text_vi)};", new_x="LMARGIN", new_y="NEXT")
        if layout.english:
            pdf.set_font(FONT, "", 6.5)
            pdf.multi_cell(width, 3.2, f"Pursuant to the {source.text_en};", new_x="LMARGIN", new_y="NEXT")
    if layout.legal_basis:
        pdf.ln(2)


def _content(pdf: FPDF, layout: DocumentLayout) -> None:
    width, label_width = _width(pdf), 58
    for line in layout.lines:
        top = pdf.get_y()
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(label_width, 4.8, _nfc(line.label_vi), new_x="LMARGIN", new_y="NEXT")
        if layout.english:
            pdf.set_font(FONT, "", 7)
            pdf.multi_cell(label_width, 3.5, _nfc(line.label_en), new_x="LMARGIN", new_y="NEXT")
        label_bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + label_width, top)
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(width - label_width, 4.8, _nfc(line.value) or "-", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(label_bottom, pdf.get_y()) + 1.5)


def _amounts(pdf: FPDF, amounts: Amounts, english: bool) -> None:
    width, figure_width = _width(pdf), 42
    pdf.ln(1)
    pdf.set_draw_color(120, 120, 120)
    rows = [(item, False) for item in amounts.items] + [(AmountItem("Tổng cộng", "Total", amounts.total), True)]
    for item, bold in rows:
        top = pdf.get_y()
        pdf.line(pdf.l_margin, top, pdf.l_margin + width, top)
        pdf.set_xy(pdf.l_margin, top + 1)
        pdf.set_font(FONT, "B" if bold else "", 9.5)
        pdf.multi_cell(width - figure_width, 4.8, _nfc(item.label_vi), new_x="LMARGIN", new_y="NEXT")
        if english:
            pdf.set_font(FONT, "", 7)
            pdf.multi_cell(width - figure_width, 3.5, _nfc(item.label_en), new_x="LMARGIN", new_y="NEXT")
        bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + width - figure_width, top + 1)
        pdf.set_font(FONT, "B" if bold else "", 9.5)
        pdf.cell(figure_width, 4.8, amount_in_figures(item.amount), align="R")
        pdf.set_y(bottom + 1)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.ln(2)
    pdf.set_font(FONT, "B", 9.5)
    pdf.multi_cell(width, 5, f"Bằng chữ: {amount_in_words(amounts.total)}.", new_x="LMARGIN", new_y="NEXT")
    if english:
        pdf.set_font(FONT, "", 7)
        pdf.multi_cell(
            width, 3.5, f"In words: {num2words(amounts.total, lang='en')} dong.", new_x="LMARGIN", new_y="NEXT"
        )
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(2)


def _notes(pdf: FPDF, layout: DocumentLayout) -> None:
    if not layout.note_vi:
        return
    width = _width(pdf)
    pdf.ln(1)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(width, 4.6, _nfc(layout.note_vi), new_x="LMARGIN", new_y="NEXT")
    if layout.english and layout.note_en:
        pdf.set_font(FONT, "", 7)
        pdf.multi_cell(width, 3.5, _nfc(layout.note_en), new_x="LMARGIN", new_y="NEXT")


def _closing(pdf: FPDF, layout: DocumentLayout, token: str) -> None:
    """Verification QRs on the left, the signer and seal on the right; kept together on one page."""
    block_height = 78
    if pdf.get_y() + block_height > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    top, width = pdf.get_y(), _width(pdf)
    draw_qr(pdf, layout.link_qr_text, pdf.l_margin, top, LINK_QR_MM, error="m")
    draw_qr(pdf, token, pdf.l_margin + LINK_QR_MM + 4, top, TOKEN_QR_MM, error="l")
    qr_bottom = top + TOKEN_QR_MM + 1
    _signature_block(pdf, layout, pdf.l_margin + width - 70, top, 70)
    pdf.set_xy(pdf.l_margin, qr_bottom)
    text_width = LINK_QR_MM + TOKEN_QR_MM + 10
    pdf.set_font(FONT, "B", 8)
    pdf.multi_cell(
        text_width, 3.8, "Quét mã QR bên trái bằng điện thoại để kiểm tra văn bản:", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(text_width, 3.8, layout.verify_url, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 6.5)
    pdf.multi_cell(
        text_width,
        3,
        "Mã QR bên phải chứa dữ liệu ký số để kiểm tra không cần mạng. Có giá trị đến "
        f"{_vn_datetime(layout.expires_at)}.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if layout.english:
        pdf.multi_cell(
            text_width,
            3,
            "Scan the left QR with a phone to verify this document; the right QR holds the signed "
            f"data for offline checks. Valid until {_vn_datetime(layout.expires_at)}.",
            new_x="LMARGIN",
            new_y="NEXT",
        )


def _signature_block(pdf: FPDF, layout: DocumentLayout, x: float, y: float, width: float) -> None:
    authority = layout.authority
    pdf.set_xy(x, y)
    pdf.set_font(FONT, "B", 9.5)
    pdf.multi_cell(width, 4.8, _nfc(authority.signer_title_vi).upper(), align="C", new_x="LEFT", new_y="NEXT")
    if layout.english:
        pdf.set_font(FONT, "", 7)
        pdf.multi_cell(width, 3.5, _nfc(authority.signer_title_en), align="C", new_x="LEFT", new_y="NEXT")
    seal_top = pdf.get_y() + 2
    centre_x, radius = x + width / 2, 14
    pdf.set_draw_color(*_RED)
    pdf.set_text_color(*_RED)
    pdf.set_line_width(0.6)
    pdf.circle(centre_x, seal_top + radius, radius)
    pdf.set_line_width(0.25)
    pdf.circle(centre_x, seal_top + radius, radius - 2)
    pdf.set_font(FONT, "B", 5)
    pdf.set_xy(centre_x - radius + 3.5, seal_top + radius - 7)
    pdf.multi_cell(
        2 * radius - 7,
        2.4,
        _nfc(authority.full_name_vi.replace(",", "")).upper(),
        align="C",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_font(FONT, "", 5)
    pdf.multi_cell(2 * radius - 6, 2.4, "ĐÃ KÝ SỐ", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.set_xy(x, seal_top + 2 * radius + 3)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(width, 5, _nfc(authority.signer_name), align="C", new_x="LEFT", new_y="NEXT")
    if layout.signed_by:
        pdf.set_font(FONT, "", 6.5)
        pdf.multi_cell(
            width,
            3,
            f"Ký số bởi / Digitally signed by: {_nfc(layout.signed_by)}",
            align="C",
            new_x="LEFT",
            new_y="NEXT",
        )


def draw_qr(pdf: FPDF, text: str, x: float, y: float, size: float, *, error: str) -> None:
    """The QR as filled rectangles (one per run of dark modules in a row), quiet zone included in `size`."""
    qr = segno.make(text, error=error, micro=False)
    border = 4
    rows = list(qr.matrix_iter(scale=1, border=border))
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
            else:
                c += 1


def _rule(pdf: FPDF, centre_x: float, y: float, length: float) -> None:
    pdf.line(centre_x - length / 2, y, centre_x + length / 2, y)


def _width(pdf: FPDF) -> float:
    return pdf.w - pdf.l_margin - pdf.r_margin


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _place_date_vi(place: str, moment: datetime) -> str:
    day = moment.astimezone(VIETNAM_TZ)
    # The form writes day and month with two digits ("ngày 02 tháng 12 năm 2026").
    return _nfc(f"{place}, ngày {day:%d} tháng {day:%m} năm {day:%Y}")


def _place_date_en(place: str, moment: datetime) -> str:
    day = moment.astimezone(VIETNAM_TZ)
    return _nfc(f"{place}, {day.day} {day:%B} {day.year}")


def _vn_datetime(moment: datetime) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M (UTC+7)")
