"""Each document type rendered as a clerk sees it: the right issuer, number, legal basis, place and date,
signer and seal, amounts in words; QR codes that zbar reads from a screen (72 dpi) and a print (300 dpi)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from hardware.qr import QrKind, classify_qr, decode, parse_document_link
from tests.backend.documents.conftest import pdf_text, rasterize

KINDS = [
    "residence-confirmation",
    "temporary-residence-approval",
    "judicial_record_2",
    "traffic-fine-receipt",
    "judicial-fee-receipt",
]
EXPECTED = {
    # kind: (issuing agency as printed, number pattern, words that must be on the page)
    "residence-confirmation": (
        "CÔNG AN PHƯỜNG PHÚC XÁ",
        r"\d{6}/\d{4}/XNCT-CAX00001",
        [
            "CÔNG AN THÀNH PHỐ HÀ NỘI",
            "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ",
            "Mẫu CT07",
            "Luật Cư trú số 68/2020/QH14",
            "Phúc Xá, ngày",
            "TRƯỞNG CÔNG AN",
        ],
    ),
    "temporary-residence-approval": (
        "CÔNG AN PHƯỜNG BẾN NGHÉ",
        r"\d{6}/\d{4}/TB-CAX26740",
        ["THÔNG BÁO KẾT QUẢ ĐĂNG KÝ TẠM TRÚ", "Bến Nghé, ngày"],
    ),
    "judicial_record_2": (
        "SỞ TƯ PHÁP",
        r"\d{6}/\d{4}/LLTP2-STP01",
        [
            "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
            "PHIẾU LÝ LỊCH TƯ PHÁP SỐ 2",
            "Luật Lý lịch tư pháp số 28/2009/QH12",
            "Hà Nội, ngày",
            "GIÁM ĐỐC",
        ],
    ),
    "traffic-fine-receipt": (
        "PHÒNG CẢNH SÁT GIAO THÔNG",
        r"\d{6}/\d{4}/BLP-PC08-01",
        [
            "CÔNG AN THÀNH PHỐ HÀ NỘI",
            "BIÊN LAI THU TIỀN PHẠT",
            "18.000.000 đồng",
            "1.076.000 đồng",
            "19.076.000 đồng",
            "Bằng chữ: Mười chín triệu không trăm bảy mươi sáu nghìn đồng",
            "Điều 73 và Điều 78",
        ],
    ),
    "judicial-fee-receipt": (
        "SỞ TƯ PHÁP",
        r"\d{6}/\d{4}/BLPHI-STP79",
        [
            "ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ",
            "BIÊN LAI THU PHÍ",
            "205.000 đồng",
            "Bằng chữ: Hai trăm linh năm nghìn đồng",
            "Hồ Chí Minh, ngày",
        ],
    ),
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_type_names_its_own_issuer_number_and_signer(issue, tmp_path, kind):
    document = issue(kind)
    agency, number_pattern, words = EXPECTED[kind]
    assert re.fullmatch(number_pattern, document.number)
    text = re.sub(r"[ \t]+", " ", pdf_text(document.pdf, tmp_path))
    assert agency in text and document.number in text
    for word in words:
        assert word in text, word
    assert "Cơ sở dữ liệu về cư trú" not in text or kind.startswith(("residence", "temporary"))
    rasterize(document.pdf, tmp_path, kind, 100)
    # Declared PDF/A-2B (archival): the identification and the output intent are there.
    assert b'pdfaid:part="2"' in document.pdf and b'pdfaid:conformance="B"' in document.pdf
    assert b"/GTS_PDFA1" in document.pdf
    assert "Digitally signed by: Congdan document signing (TEST)" in " ".join(text.split())


def test_numbers_follow_each_agency_book_without_gaps_or_repeats(issue):
    first, second = issue("residence-confirmation"), issue("residence-confirmation")
    receipt = issue("traffic-fine-receipt")
    sequence = [int(d.number.split("/")[0]) for d in (first, second)]
    assert sequence[1] == sequence[0] + 1
    assert receipt.number.endswith("BLP-PC08-01") and receipt.number != first.number


@pytest.mark.parametrize("dpi", [72, 300])
def test_the_link_qr_scans_from_a_screen_and_from_paper(issue, tmp_path, dpi, client):
    document = issue("residence-confirmation")
    page = Image.open(rasterize(document.pdf, tmp_path, "confirmation-qr", dpi)).convert("L")
    payloads = decode(np.asarray(page), fallback=False)  # zbar alone, no sharpening or OpenCV fallback
    links = [p for p in payloads if classify_qr(p) is QrKind.DOCUMENT_LINK]
    assert len(links) == 1, payloads
    link = parse_document_link(links[0])
    assert link.short_id == document.short_id
    # The link opens the verification page (a GET a phone's browser makes), not a 405.
    path = link.url.split("congdan.gov.vn", 1)[1]
    assert client.get(path).status_code == 200
    if dpi == 300:  # the signed payload is for offline scanners held to paper
        assert [p for p in payloads if classify_qr(p) is QrKind.SIGNED_DOCUMENT] == [document.token]


def test_link_qr_printed_two_centimetres_wide_scans_at_300_dpi(issue, tmp_path):
    """The link alone, printed 2 cm wide (a sticker, a stamp-sized copy): zbar reads it from a 300 dpi scan."""
    from fpdf import FPDF

    from backend.documents.pdf import draw_qr
    from backend.documents.service import verification_link

    document = issue("residence-confirmation")
    printed, qr_text = verification_link(document.short_id, "K9M2P4Q6")
    sheet = FPDF(format=(40, 40), unit="mm")
    sheet.add_page()
    draw_qr(sheet, qr_text, 10, 10, 20, error="m")
    page = Image.open(rasterize(bytes(sheet.output()), tmp_path, "link-qr-2cm", 300)).convert("L")
    assert decode(np.asarray(page), fallback=False) == [qr_text]
    assert parse_document_link(qr_text).url == printed
