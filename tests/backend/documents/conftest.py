"""Documents of every type, issued through their domains' own code, and helpers to look at their PDFs."""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404 - runs poppler on files the test wrote
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from backend.database import utcnow
from backend.documents import authorities
from backend.documents import service as documents
from backend.documents.pdf import AmountItem, Amounts, Line
from backend.residence import registration
from backend.residence.models import ResidenceApplication

PDFTOPPM = shutil.which("pdftoppm")


def rasterize(pdf: bytes, folder: Path, name: str, dpi: int) -> Path:
    """The first page as PNG at `dpi`, as poppler renders it for a screen or a printer."""
    if PDFTOPPM is None:
        pytest.fail("pdftoppm (poppler-utils) is needed to look at the rendered documents")
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            PDFTOPPM,
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            "-singlefile",
            str(source),
            str(folder / f"{name}-{dpi}dpi"),
        ],
        check=True,
        timeout=60,
    )  # nosec B603
    image = folder / f"{name}-{dpi}dpi.png"
    keep = os.environ.get("CONGDAN_DOCUMENT_PNGS")  # a folder to keep the renders in, to look at them
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(image, Path(keep) / image.name)
    return image


def pdf_text(pdf: bytes, folder: Path) -> str:
    source = folder / "text.pdf"
    source.write_bytes(pdf)
    return subprocess.run(
        [shutil.which("pdftotext") or "pdftotext", "-layout", str(source), "-"],  # nosec B603
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")


def residence_confirmation(session, factory):
    citizen = factory.citizen(full_name="Trần Thị Thu Hương", sex="female", ward_code="00001")
    return registration.issue_confirmation(session=session, citizen=citizen, include_history=True, now=utcnow())


def approval_notice(session, factory):
    applicant = factory.citizen(full_name="Lê Văn Tỉnh", ward_code="00001")
    now = utcnow()
    application = ResidenceApplication(
        kind="registration",
        applicant_citizen_id=applicant.id,
        ward_code="26740",
        province_code="79",
        street="Số 45 Đường Lê Lợi",
        street_folded="so 45 duong le loi",
        legal_basis="tenancy",
        reason="Làm việc",
        start_date=now.date(),
        end_date=now.date() + timedelta(days=365),
        status="under_review",
        submitted_at=now,
        received_at=now,
        due_on=now.date(),
    )
    session.add(application)
    session.flush()
    return registration.apply_approval(session=session, application=application, now=now)


def criminal_record_certificate(session, factory, certificate_type: int = 2):
    from backend.judicial import certificate

    subject = factory.citizen(full_name="Phạm Quốc Khánh", ward_code="00001")
    conviction = SimpleNamespace(
        judgment_number="125/2019/HS-ST",
        judgment_date=date(2019, 5, 20),
        court="Tòa án nhân dân quận Ba Đình",
        offence="Trộm cắp tài sản",
        penal_code_article="Điều 173 Bộ luật Hình sự",
        principal_penalty="imprisonment",
        imprisonment_months=18,
        probation_months=None,
        additional_penalties=None,
        ban=None,
        principal_completed_on=date(2020, 11, 20),
    )
    entry = SimpleNamespace(
        conviction=conviction, expunged=True, expunged_on=date(2022, 5, 21), no_record=False, court_must_decide=False
    )
    request = SimpleNamespace(
        certificate_type=certificate_type,
        number=f"LLTP-2026-{certificate_type:06d}",
        purpose="Bổ sung hồ sơ xin việc",
        copies=1,
        include_bans=False,
    )
    compilation = SimpleNamespace(request=request, subject=subject, entries=[entry], on=utcnow().date())
    return certificate.issue_document(session=session, compilation=compilation, now=utcnow())


def traffic_fine_receipt(session, factory, fine: int = 18_000_000, surcharge: int = 1_076_000):
    payer = factory.citizen(full_name="Đỗ Minh Tuấn", ward_code="00001")
    items = (
        AmountItem("Tiền phạt theo quyết định số 0042/QĐ-XPHC", "Fine under decision 0042/QĐ-XPHC", fine),
        AmountItem("Tiền chậm nộp phạt (119 ngày × 0,05%)", "Late-payment surcharge (119 days × 0.05%)", surcharge),
    )
    return documents.issue_document(
        session=session,
        holder=payer,
        doc_type="traffic-fine-receipt",
        authority=authorities.resolve(authorities.TRAFFIC_POLICE, "00001"),
        amounts=Amounts(items),
        lines=[
            Line("Số biên lai", "Receipt number", "BL20260000000042"),
            Line("Người nộp", "Payer", payer.full_name),
            Line("Nội dung", "For", "Nộp phạt quyết định 0042/QĐ-XPHC: Ô tô vượt đèn đỏ"),
        ],
        content={"receipt_number": "BL20260000000042", "amount": fine + surcharge},
        validity=timedelta(days=3650),
    )


def judicial_fee_receipt(session, factory):
    from backend.judicial.certificate import issuing_authority

    payer = factory.citizen(full_name="Vũ Thị Lan", sex="female", ward_code="26740", province_code="79")
    items = (
        AmountItem("Phí cấp Phiếu lý lịch tư pháp số 1 (3 bản)", "Criminal record certificate fee (3 copies)", 205_000),
    )
    return documents.issue_document(
        session=session,
        holder=payer,
        doc_type="judicial-fee-receipt",
        authority=issuing_authority(payer),
        amounts=Amounts(items),
        lines=[Line("Người nộp", "Payer", payer.full_name)],
        content={"amount": 205_000},
        validity=timedelta(days=3650),
    )


@pytest.fixture()
def issue(session, factory):
    """issue(kind) -> a SignedDocument of that kind."""
    makers = {
        "residence-confirmation": residence_confirmation,
        "temporary-residence-approval": approval_notice,
        "judicial_record_2": criminal_record_certificate,
        "traffic-fine-receipt": traffic_fine_receipt,
        "judicial-fee-receipt": judicial_fee_receipt,
    }
    return lambda kind, **kw: makers[kind](session, factory, **kw)
