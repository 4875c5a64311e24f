"""One template per document type, following the official form: title, form code, legal basis, the kind of
authority that issues it, the symbol in its number, and whether an English copy sits under the Vietnamese."""

from __future__ import annotations

from dataclasses import dataclass

from backend.documents import authorities


@dataclass(frozen=True)
class LegalSource:
    text_vi: str
    text_en: str


@dataclass(frozen=True)
class DocumentTemplate:
    doc_type: str
    title_vi: str
    title_en: str
    form_vi: str | None  # the form code printed top right ("Mẫu CT07 ...")
    symbol: str  # the document symbol (ký hiệu) in its number
    authority_kind: str
    legal_basis: tuple[LegalSource, ...]


_RESIDENCE_LAW = (
    LegalSource("Luật Cư trú số 68/2020/QH14 ngày 13/11/2020", "Law on Residence No. 68/2020/QH14 of 13 November 2020"),
    LegalSource(
        "Nghị định số 62/2021/NĐ-CP ngày 29/6/2021 của Chính phủ", "Government Decree No. 62/2021/ND-CP of 29 June 2021"
    ),
    LegalSource(
        "Thông tư số 55/2021/TT-BCA và Thông tư số 56/2021/TT-BCA của Bộ Công an (sửa đổi năm 2023)",
        "Ministry of Public Security Circulars No. 55/2021/TT-BCA and 56/2021/TT-BCA (amended 2023)",
    ),
)
_JUDICIAL_LAW = (
    LegalSource(
        "Luật Lý lịch tư pháp số 28/2009/QH12 ngày 17/6/2009",
        "Law on Judicial Records No. 28/2009/QH12 of 17 June 2009",
    ),
    LegalSource(
        "Bộ luật Hình sự năm 2015 (sửa đổi năm 2017), các điều 69-71 và 107 về xóa án tích",
        "Penal Code 2015 (amended 2017), Articles 69-71 and 107 on expungement",
    ),
)
# The circulars are certain; the form number of each certificate within them was not checked, so it is not printed.
_JUDICIAL_FORMS = "Mẫu ban hành kèm Thông tư số 13/2011/TT-BTP (sửa đổi bởi Thông tư số 16/2013/TT-BTP)"
_RECEIPT_LAW = (
    LegalSource(
        "Nghị định số 123/2020/NĐ-CP ngày 19/10/2020 về hóa đơn, chứng từ",
        "Government Decree No. 123/2020/ND-CP of 19 October 2020 on invoices and receipts",
    ),
)
_FINE_LAW = (
    LegalSource(
        "Luật Xử lý vi phạm hành chính năm 2012 (sửa đổi năm 2020), Điều 73 và Điều 78",
        "Law on Handling Administrative Violations 2012 (amended 2020), Articles 73 and 78",
    ),
    LegalSource(
        "Nghị định số 168/2024/NĐ-CP ngày 26/12/2024 của Chính phủ",
        "Government Decree No. 168/2024/ND-CP of 26 December 2024",
    ),
    *_RECEIPT_LAW,
)

TEMPLATES: dict[str, DocumentTemplate] = {
    t.doc_type: t
    for t in (
        DocumentTemplate(
            "residence-confirmation",
            "Xác nhận thông tin về cư trú",
            "Confirmation of residence information",
            "Mẫu CT07 (Thông tư số 56/2021/TT-BCA, sửa đổi năm 2023)",
            "XNCT",
            authorities.RESIDENCE_POLICE,
            _RESIDENCE_LAW,
        ),
        DocumentTemplate(
            "temporary-residence-approval",
            "Thông báo kết quả giải quyết đăng ký tạm trú",
            "Notice of the result of temporary-residence registration",
            None,
            "TB",
            authorities.RESIDENCE_POLICE,
            _RESIDENCE_LAW,
        ),
        DocumentTemplate(
            "judicial_record_1",
            "Phiếu lý lịch tư pháp số 1",
            "Criminal record certificate No. 1",
            _JUDICIAL_FORMS,
            "LLTP1",
            authorities.JUDICIAL_RECORDS_DEPARTMENT,
            _JUDICIAL_LAW,
        ),
        DocumentTemplate(
            "judicial_record_2",
            "Phiếu lý lịch tư pháp số 2",
            "Criminal record certificate No. 2",
            _JUDICIAL_FORMS,
            "LLTP2",
            authorities.JUDICIAL_RECORDS_DEPARTMENT,
            _JUDICIAL_LAW,
        ),
        DocumentTemplate(
            "traffic-fine-receipt",
            "Biên lai thu tiền phạt",
            "Receipt for an administrative fine",
            None,
            "BLP",
            authorities.TRAFFIC_POLICE,
            _FINE_LAW,
        ),
        DocumentTemplate(
            "judicial-fee-receipt",
            "Biên lai thu phí",
            "Receipt for a fee",
            None,
            "BLPHI",
            authorities.JUDICIAL_RECORDS_DEPARTMENT,
            (
                LegalSource(
                    "Luật Phí và lệ phí số 97/2015/QH13 ngày 25/11/2015",
                    "Law on Fees and Charges No. 97/2015/QH13 of 25 November 2015",
                ),
                *_RECEIPT_LAW,
            ),
        ),
    )
}


def template_for(doc_type: str) -> DocumentTemplate:
    try:
        return TEMPLATES[doc_type]
    except KeyError:
        raise LookupError(f"no document template for {doc_type!r}") from None
