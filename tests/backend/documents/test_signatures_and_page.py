"""PAdES signatures a standard validator accepts, modified PDFs refused; the verification page a phone opens
says valid / expired / revoked / replaced / tampered, shows no personal data, and the holder sees each check."""

from __future__ import annotations

import io
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from backend.database import utcnow
from backend.documents import pades, service
from backend.registry.models import Citizen
from tests.backend.documents.conftest import pdf_text
from tests.backend.helpers import bearer, login

VERIFY_PDF = "/api/v1/documents/verify-pdf"


def _upload(client, pdf: bytes):
    return client.post(
        VERIFY_PDF,
        data={"file": (io.BytesIO(pdf), "document.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )


def test_pyhanko_validator_names_the_signer_and_finds_the_file_unchanged(app, issue):
    document = issue("residence-confirmation")
    signature = PdfFileReader(io.BytesIO(document.pdf)).embedded_signatures[0]
    with app.app_context():
        roots = list(pades.material().ca_certs)
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = validate_pdf_signature(signature, signer_validation_context=context, ts_validation_context=context)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.subject.native["common_name"] == "Congdan document signing (TEST)"
    assert status.timestamp_validity is not None and status.timestamp_validity.intact  # RFC 3161 token
    assert signature.sig_object["/Reason"].startswith("Xác nhận thông tin về cư trú số ")


def test_verify_pdf_accepts_the_issued_file(client, issue):
    document = issue("traffic-fine-receipt")
    verdict = _upload(client, document.pdf).json
    assert (verdict["status"], verdict["number"]) == ("valid", document.number)


def test_a_changed_byte_and_an_appended_revision_are_refused(app, client, issue):
    document = issue("judicial_record_2")
    with app.app_context():
        signing = pades.material()
    # One byte of the signed range changed (in the document info, outside the token): the hash breaks.
    changed = bytearray(document.pdf)
    position = document.pdf.index(b"xmp:CreateDate=") + 17
    changed[position] ^= 0x01
    assert not pades.validate(bytes(changed), signing=signing).ok
    assert _upload(client, bytes(changed)).json["status"] == "tampered"
    # An incremental update after signing (the signature itself stays intact, but no longer covers the file).
    writer = IncrementalPdfFileWriter(io.BytesIO(document.pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    appended = out.getvalue()
    verdict = pades.validate(appended, signing=signing)
    assert verdict.intact and not verdict.whole_file and not verdict.ok
    assert _upload(client, appended).json["status"] == "tampered"
    assert _upload(client, document.pdf).json["status"] == "valid"


def test_a_pdf_signed_by_someone_else_is_refused(app, client, issue):
    document = issue("residence-confirmation")
    stranger = pades._from_pem(pades._create_test_ca(), tsa_url=None)
    unsigned_original = document.pdf[: document.pdf.index(b"%%EOF") + 5]  # fpdf's file, before our signature
    resigned = pades.sign_pdf(unsigned_original, reason="x", location="y", signing=stranger)
    with app.app_context():
        verdict = pades.validate(resigned)
    assert verdict.intact and not verdict.trusted
    assert _upload(client, resigned).json["status"] == "tampered"


def _code(document) -> str:
    """The <id>.<key> of a document's printed link, read off the page as a person would type it."""
    with tempfile.TemporaryDirectory() as folder:
        text = pdf_text(document.pdf, Path(folder))
    return re.search(r"/v/([0-9A-Z]{8}\.[0-9A-Z]{8})", text).group(1)


def test_page_states_in_plain_words(client, session, issue):
    document = issue("residence-confirmation")
    code = _code(document)
    page = client.get(f"/v/{code}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'data-status="valid"' in html and "Văn bản hợp lệ" in html and document.number in html
    assert "Công an phường Phúc Xá, thành phố Hà Nội" in html
    # No personal data beyond the masked ID the QR token already carries.
    holder = session.get(Citizen, document.holder_citizen_id)
    assert holder.full_name not in html and holder.personal_id not in html
    assert holder.personal_id[:4] + "******" in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    # The link works in capitals too (the QR packs it that way) and not with another key.
    assert 'data-status="valid"' in client.get(f"/V/{code.upper()}").get_data(as_text=True)
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert 'data-status="tampered"' in client.get(f"/v/{forged}").get_data(as_text=True)
    assert 'data-status="tampered"' in client.get("/v/00000000.00000000").get_data(as_text=True)
    assert 'data-status="tampered"' in client.get("/v/nonsense").get_data(as_text=True)


def test_page_tells_revoked_replaced_and_expired_apart(client, session, issue):
    revoked = issue("residence-confirmation")
    service.revoke_for_holder(
        session=session,
        citizen_id=revoked.holder_citizen_id,
        doc_type="residence-confirmation",
        reason="residence-changed",
    )
    html = client.get(f"/v/{_code(revoked)}").get_data(as_text=True)
    assert 'data-status="revoked"' in html and "thông tin cư trú của người được cấp đã thay đổi" in html

    old = issue("residence-confirmation")
    holder = session.get(Citizen, old.holder_citizen_id)
    new = service.issue_document(
        session=session,
        holder=holder,
        doc_type="residence-confirmation",
        jurisdiction=holder.permanent_ward_code,
        lines=[],
        content={"n": 2},
        validity=timedelta(days=365),
    )
    assert (
        service.supersede(session=session, holder_citizen_id=holder.id, doc_type="residence-confirmation", new=new) == 1
    )
    assert 'data-status="replaced"' in client.get(f"/v/{_code(old)}").get_data(as_text=True)

    expired = service.issue_document(
        session=session,
        holder=holder,
        doc_type="residence-confirmation",
        jurisdiction=holder.permanent_ward_code,
        lines=[],
        content={"n": 3},
        validity=timedelta(days=1),
        now=utcnow() - timedelta(days=3),
    )
    assert 'data-status="expired"' in client.get(f"/v/{_code(expired)}").get_data(as_text=True)


def test_a_row_edited_in_the_database_is_not_vouched_for(client, session, issue):
    document = issue("residence-confirmation")
    document.token = document.token[:-4] + ("AAAA" if not document.token.endswith("AAAA") else "BBBB")
    session.flush()
    assert 'data-status="tampered"' in client.get(f"/v/{_code(document)}").get_data(as_text=True)


def test_the_holder_sees_each_check_in_their_access_log(client, session, factory, issue):
    document = issue("residence-confirmation")
    holder = session.get(Citizen, document.holder_citizen_id)
    account = factory.account(holder)
    client.get(f"/v/{_code(document)}")
    client.post("/api/v1/documents/verify", json={"token": document.token})
    _upload(client, document.pdf)
    headers = bearer(login(client, account.username)["access_token"])
    events = client.get("/api/v1/me/access-log", headers=headers).json["items"]
    checks = [e for e in events if e["record_type"] == "signed_document"]
    assert sorted(re.search(r"\((\w+)\)", e["purpose"]).group(1) for e in checks) == ["link", "pdf", "token"]
    assert {e["actor_label"] for e in checks} == {"Người kiểm tra văn bản / Document verifier"}
    # A forged link leaves nothing in anyone's log.
    client.get("/v/00000000.00000000")
    again = client.get("/api/v1/me/access-log", headers=headers).json["items"]
    assert len([e for e in again if e["record_type"] == "signed_document"]) == 3


@pytest.mark.parametrize("code", ["x" * 200, "ABC.DEF", "%00", "....."])
def test_odd_links_get_a_page_not_an_error(client, code):
    response = client.get(f"/v/{code}")
    assert response.status_code == 200 and 'data-status="tampered"' in response.get_data(as_text=True)


def test_poppler_pdfsig_an_independent_validator_agrees(issue, tmp_path):
    """poppler's pdfsig (what many PDF viewers build on) names the signer and finds the file whole; our test CA
    is not in its trust store, which it says, as it would for any untrusted issuer."""
    import shutil
    import subprocess  # nosec B404 - poppler on files the test wrote

    pdfsig = shutil.which("pdfsig")
    if pdfsig is None:
        pytest.fail("pdfsig (poppler-utils) is needed")
    document = issue("traffic-fine-receipt")
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(document.pdf)
    changed = bytearray(document.pdf)
    changed[document.pdf.index(b"xmp:CreateDate=") + 17] ^= 0x01
    bad.write_bytes(bytes(changed))

    def report(path):
        return subprocess.run([pdfsig, str(path)], capture_output=True, timeout=60).stdout.decode()  # nosec B603

    ok = report(good)
    assert "Signer Certificate Common Name: Congdan document signing (TEST)" in ok
    assert "Signature is Valid." in ok and "Total document signed" in ok and "ETSI.CAdES.detached" in ok
    assert "Signature is Valid." not in report(bad)


def test_documents_issued_before_pades_still_verify_by_their_hash(client, session, issue):
    import hashlib

    document = issue("residence-confirmation")
    unsigned = document.pdf[: document.pdf.index(b"%%EOF") + 5]
    document.pdf, document.pdf_sha256 = unsigned, hashlib.sha256(unsigned).hexdigest()
    document.number = document.short_id = None  # as rows issued before numbering and PAdES look
    session.flush()
    assert _upload(client, unsigned).json["status"] == "valid"
    assert _upload(client, unsigned + b"\n").json["status"] == "tampered"
