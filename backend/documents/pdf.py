"""PDF rendering of signed documents: Vietnamese first, English second, the DejaVu font embedded (it has
every Vietnamese letter), and a QR code holding the document's signed token."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import segno
from fpdf import FPDF

from shared_schemas.clock import VIETNAM_TZ

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"


@dataclass(frozen=True)
class Line:
    """One row of the document: a bilingual label and its value."""

    label_vi: str
    label_en: str
    value: str


@dataclass(frozen=True)
class DocumentLayout:
    title_vi: str
    title_en: str
    issuer_vi: str
    issuer_en: str
    lines: list[Line]
    document_id: str
    issued_at: datetime
    expires_at: datetime
    verify_url: str
    note_vi: str = ""
    note_en: str = ""


def render_pdf(layout: DocumentLayout, token: str) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    # A fixed creation date makes the bytes depend only on the content (reproducible renders).
    pdf.set_creation_date(layout.issued_at)
    pdf.set_title(_nfc(layout.title_vi))
    pdf.set_author(_nfc(layout.issuer_vi))
    pdf.set_subject(f"congdan-document:{layout.document_id}")
    pdf.set_keywords(f"congdan-jws:{token}")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font(FONT, "B", 11)
    pdf.cell(width, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(width, 5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    pdf.cell(width, 4, "Socialist Republic of Viet Nam - Independence - Freedom - Happiness", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 9)
    pdf.cell(width, 5, f"{_nfc(layout.issuer_vi)} / {_nfc(layout.issuer_en)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(width, 8, _nfc(layout.title_vi).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(width, 6, _nfc(layout.title_en), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    label_width = 62
    for line in layout.lines:
        top = pdf.get_y()
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(label_width, 5, _nfc(line.label_vi), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(label_width, 4, _nfc(line.label_en), new_x="LMARGIN", new_y="NEXT")
        label_bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + label_width, top)
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(width - label_width, 5, _nfc(line.value) or "-", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(label_bottom, pdf.get_y()) + 2)

    if layout.note_vi:
        pdf.ln(2)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(width, 5, _nfc(layout.note_vi), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(width, 4, _nfc(layout.note_en), new_x="LMARGIN", new_y="NEXT")

    qr_size = 55
    if pdf.get_y() + qr_size + 20 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    pdf.image(_qr_png(token), x=pdf.l_margin, y=top, w=qr_size, h=qr_size)
    pdf.set_xy(pdf.l_margin + qr_size + 6, top + 2)
    text_width = width - qr_size - 6
    pdf.set_font(FONT, "B", 9)
    pdf.multi_cell(text_width, 5, "Mã QR xác thực (chữ ký số Ed25519)", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(text_width, 4, "Verification QR code (Ed25519 digital signature)", new_x="LEFT",
                   new_y="NEXT")
    pdf.set_xy(pdf.l_margin + qr_size + 6, pdf.get_y() + 2)  # ln() would return to the left margin
    pdf.set_font(FONT, "", 9)
    for text in (
        f"Số văn bản / Document no.: {layout.document_id}",
        f"Ngày cấp / Issued: {_vn_datetime(layout.issued_at)}",
        f"Có giá trị đến / Valid until: {_vn_datetime(layout.expires_at)}",
        "Kiểm tra tại / Verify at:",
        layout.verify_url,
    ):
        pdf.multi_cell(text_width, 5, text, new_x="LEFT", new_y="NEXT")
    return bytes(pdf.output())


def _qr_png(token: str) -> io.BytesIO:
    buffer = io.BytesIO()
    # Level M survives a crease or a stain on paper; a token of ~600 characters still fits a version ~17 code.
    segno.make(token, error="m", micro=False).save(buffer, kind="png", scale=4, border=2)
    buffer.seek(0)
    return buffer


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _vn_datetime(moment: datetime) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M (UTC+7)")
