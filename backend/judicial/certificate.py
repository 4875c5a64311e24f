"""The certificate as a signed document: its lines (Vietnamese first, English second) and signed content,
issued through the documents service (Ed25519, PDF with QR, online/offline verification)."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.documents import authorities
from backend.documents import service as documents
from backend.documents.models import SignedDocument
from backend.documents.pdf import Line

CERTIFICATE_VALIDITY = timedelta(days=180)  # most uses ask for a certificate under six months old
PENALTY_VI = {
    "warning": "Cảnh cáo",
    "fine": "Phạt tiền",
    "non-custodial-reform": "Cải tạo không giam giữ",
    "suspended-sentence": "Tù cho hưởng án treo",
    "imprisonment": "Tù có thời hạn",
    "life-imprisonment": "Tù chung thân",
    "death-commuted": "Tử hình (đã được giảm)",
}


def _d(day) -> str:
    return day.strftime("%d/%m/%Y") if day else "chưa chấp hành xong"


def _penalty(conviction) -> str:
    text = PENALTY_VI[conviction.principal_penalty]
    if conviction.imprisonment_months:
        text += " " + _duration(conviction.imprisonment_months)
    if conviction.principal_penalty == "suspended-sentence" and conviction.probation_months:
        text += f", thời gian thử thách {_duration(conviction.probation_months)}"
    return text


def _duration(total_months: int) -> str:
    years, months = divmod(total_months, 12)
    return " ".join(part for part in (f"{years} năm" if years else "", f"{months} tháng" if months else "") if part)


def entry_content(entry, certificate_type: int, include_bans: bool) -> dict:
    c = entry.conviction
    content = {
        "judgment_number": c.judgment_number,
        "judgment_date": c.judgment_date.isoformat(),
        "court": c.court,
        "offence": c.offence,
        "penal_code_article": c.penal_code_article,
        "principal_penalty": c.principal_penalty,
        "imprisonment_months": c.imprisonment_months,
        "probation_months": c.probation_months,
        "additional_penalties": c.additional_penalties,
        "principal_completed_on": c.principal_completed_on.isoformat() if c.principal_completed_on else None,
    }
    if certificate_type == 2 or include_bans:
        content["ban"] = c.ban
    if certificate_type == 2:
        content["expunged"] = entry.expunged
        content["expunged_on"] = entry.expunged_on.isoformat() if entry.expunged_on else None
        content["treated_as_no_record"] = entry.no_record
        content["court_must_decide"] = entry.court_must_decide
    return content


def entry_line(number: int, entry, content: dict) -> Line:
    c = entry.conviction
    text = (
        f"Bản án số {c.judgment_number} ngày {_d(c.judgment_date)} của {c.court}: {c.offence} "
        f"({c.penal_code_article}); {_penalty(c)}"
    )
    if c.additional_penalties:
        text += f"; hình phạt bổ sung: {c.additional_penalties}"
    if content.get("ban"):
        text += f"; cấm: {c.ban}"
    text += f"; chấp hành xong hình phạt chính: {_d(c.principal_completed_on)}"
    if content.get("expunged"):
        text += f"; đã được xóa án tích ngày {_d(entry.expunged_on)}"
    if content.get("treated_as_no_record"):
        text += "; được coi là không có án tích (Điều 69 khoản 2 / Điều 107 khoản 1 Bộ luật Hình sự)"
    if content.get("court_must_decide"):
        text += (
            f"; tội thuộc Chương {entry.court_must_decide}: chỉ được xóa án tích theo quyết định của "
            "Tòa án (Điều 70 khoản 1, Điều 71)"
        )
    return Line(f"Án tích {number}", f"Conviction {number}", text)


def issuing_authority(subject) -> authorities.Authority:
    """The Department of Justice of the province of permanent residence issues to citizens (Law on Judicial
    Records 2009, Art. 44); the National Judicial Records Centre when there is no residence in Viet Nam."""
    if subject.permanent_province_code:
        try:
            return authorities.resolve(authorities.JUDICIAL_RECORDS_DEPARTMENT, subject.permanent_province_code)
        except authorities.UnknownAuthority:
            pass
    return authorities.resolve(authorities.JUDICIAL_RECORDS_CENTRE)


def issue_document(*, session, compilation, now: datetime) -> SignedDocument:
    request, subject = compilation.request, compilation.subject
    kind = request.certificate_type
    convictions = [entry_content(e, kind, request.include_bans) for e in compilation.entries]
    content = {
        "certificate_type": kind,
        "request_number": request.number,
        "full_name": subject.full_name,
        "personal_id": subject.personal_id,
        "date_of_birth": subject.date_of_birth.isoformat(),
        "purpose": request.purpose,
        "copies": request.copies,
        "compiled_on": compilation.on.isoformat(),
        "has_criminal_record": bool(convictions),
        "convictions": convictions,
    }
    lines = [
        Line("Họ và tên", "Full name", subject.full_name),
        Line("Ngày sinh", "Date of birth", _d(subject.date_of_birth)),
        Line("Số định danh cá nhân", "Personal ID number", subject.personal_id),
        Line("Mục đích sử dụng", "Purpose", request.purpose),
        Line("Số yêu cầu", "Request number", request.number),
    ]
    if convictions:
        pairs = zip(compilation.entries, convictions, strict=True)
        lines += [entry_line(i, entry, content) for i, (entry, content) in enumerate(pairs, start=1)]
    else:
        lines.append(Line("Án tích", "Criminal record", "Không có án tích / No criminal record"))
    note_vi = (
        "Phiếu số 2 ghi đầy đủ các án tích, kể cả án tích đã được xóa."
        if kind == 2
        else "Phiếu số 1 không ghi án tích đã được xóa."
    )
    note_en = (
        "Certificate No. 2 lists every conviction, including expunged ones."
        if kind == 2
        else "Certificate No. 1 does not list expunged convictions."
    )
    return documents.issue_document(
        session=session,
        holder=subject,
        doc_type=f"judicial_record_{kind}",
        authority=issuing_authority(subject),
        lines=lines,
        content=content,
        validity=CERTIFICATE_VALIDITY,
        source_ref=f"certificate:{request.number}",
        note_vi=note_vi,
        note_en=note_en,
        now=now,
    )
