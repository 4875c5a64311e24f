"""The page a phone opens from a document's QR (/v/<short id>.<key>): a plain server-rendered verdict,
Vietnamese first, readable at phone width, with nothing about the holder beyond the masked ID the QR token
already carries. Every verdict on a real document is recorded in the holder's access trail."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template

from backend.core.unit_of_work import unit_of_work
from backend.documents import service
from backend.documents.templates import TEMPLATES
from backend.extensions import db, limiter
from shared_schemas.clock import VIETNAM_TZ

bp = Blueprint("verify_page", __name__, template_folder="html")

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Wording:
    headline_vi: str
    headline_en: str
    explain_vi: str
    explain_en: str


WORDING = {
    service.VALID: Wording(
        "Văn bản hợp lệ",
        "Valid document",
        "Văn bản do cơ quan dưới đây cấp, còn thời hạn và chưa bị sửa đổi. Hãy đối chiếu số "
        "văn bản và ngày cấp với bản giấy.",
        "Issued by the authority below, still in force and unchanged. Compare the number and date with the paper.",
    ),
    service.EXPIRED: Wording(
        "Văn bản đã hết hạn",
        "Expired",
        "Văn bản là thật nhưng đã hết thời hạn sử dụng. Người được cấp cần xin cấp văn bản mới.",
        "Genuine, but its validity period has ended. The holder needs a new one.",
    ),
    service.REVOKED: Wording(
        "Văn bản đã bị thu hồi",
        "Revoked",
        "Văn bản là thật nhưng không còn giá trị: cơ quan cấp đã hủy bỏ văn bản này.",
        "Genuine, but no longer in force: the issuing authority has revoked it.",
    ),
    service.REPLACED: Wording(
        "Văn bản đã được thay thế",
        "Replaced",
        "Văn bản là thật nhưng đã được thay thế bằng một văn bản mới hơn. Hãy yêu cầu bản mới.",
        "Genuine, but replaced by a newer document. Ask for the new one.",
    ),
    service.TAMPERED: Wording(
        "Không xác thực được văn bản",
        "Not genuine",
        "Mã kiểm tra không khớp với văn bản nào đã cấp: văn bản có thể đã bị sửa hoặc làm "
        "giả. Không chấp nhận văn bản này.",
        "The check code matches no issued document: it may have been altered or forged. Do not accept it.",
    ),
}
REASONS_VI = {
    "residence-changed": "thông tin cư trú của người được cấp đã thay đổi",
    "replaced": "đã có văn bản mới thay thế",
    "validity-period-ended": "đã hết thời hạn sử dụng",
}


@bp.get("/v/<code>")
@bp.get("/V/<code>")
@limiter.limit(lambda: current_app.config.get("DOCUMENT_PAGE_LIMIT_PER_ADDRESS", "60 per minute"))
@unit_of_work
def verify_page(code: str):
    result = _verify_and_record(code)
    document = result.document
    template = TEMPLATES.get(document.doc_type) if document is not None else None
    body = render_template(
        "verify.html",
        status=result.status,
        wording=WORDING[result.status],
        document=document,
        template=template,
        holder=(result.claims or {}).get("hid"),
        reason_vi=REASONS_VI.get(result.reason or ""),
        local=lambda moment: moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y") if moment else "",
    )
    return (
        body,
        200,
        {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": _CSP, "Content-Language": "vi"},
    )


def _verify_and_record(code: str) -> service.Verification:
    result = service.verify_link(session=db.session, code=code)
    service.record_verification(session=db.session, result=result, channel="link")
    return result
