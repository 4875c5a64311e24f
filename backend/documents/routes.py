"""Document endpoints: my documents and their PDFs, public verification, the identity QR token, and the
JWKS at /.well-known/jwks.json (outside /api/v1: verifiers fetch it by that well-known name)."""

from __future__ import annotations

import io

import segno
from flask import Blueprint as FlaskBlueprint
from flask import jsonify, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.access import CITIZEN, access, current_principal, public
from backend.core.keys import keyring
from backend.documents import service
from backend.documents.uploads import PDF, read_upload
from backend.extensions import db
from shared_schemas.documents import (
    DocumentVerificationSchema,
    DocumentVerifyPdfSchema,
    DocumentVerifyRequestSchema,
    IdentityQrSchema,
    SignedDocumentSchema,
)

blp = Blueprint("documents", __name__, url_prefix="/documents", description="Signed electronic documents")
well_known = FlaskBlueprint("well_known", __name__)

VERIFY_PDF_MAX_BYTES = 2 * 1024 * 1024


def _verified(work, channel: str) -> service.Verification:
    """Run a verification and record it in the holder's access trail (the request's unit of work saves both)."""
    result = work()
    service.record_verification(session=db.session, result=result, channel=channel)
    return result


@blp.route("")
class Documents(MethodView):
    @access(CITIZEN, level=1)
    @blp.response(200, SignedDocumentSchema(many=True))
    def get(self):
        """My signed documents, newest first"""
        return service.list_own(session=db.session, principal=current_principal())


@blp.route("/<uuid:document_id>")
class Document(MethodView):
    @access(CITIZEN, level=1)
    @blp.response(200, SignedDocumentSchema)
    def get(self, document_id):
        """One of my documents, with its signed token and content"""
        return service.get_own(session=db.session, principal=current_principal(), document_id=str(document_id))


@blp.route("/<uuid:document_id>/pdf")
class DocumentPdf(MethodView):
    @access(CITIZEN, level=1)
    @blp.response(200, content_type="application/pdf")
    def get(self, document_id):
        """Download one of my documents as PDF"""
        document = service.get_own(session=db.session, principal=current_principal(), document_id=str(document_id))
        return send_file(
            io.BytesIO(document.pdf),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=f"{document.doc_type}-{(document.number or document.id).replace('/', '-')}.pdf",
        )


@blp.route("/verify")
class Verify(MethodView):
    @public
    @blp.arguments(DocumentVerifyRequestSchema)
    @blp.response(200, DocumentVerificationSchema)
    def post(self, data):
        """Verify a document's QR token (and optionally its content): valid, expired, revoked or tampered"""
        return _verified(
            lambda: service.verify(session=db.session, token=data["token"], content=data.get("content")), "token"
        )


@blp.route("/verify-pdf")
class VerifyPdf(MethodView):
    @public
    @blp.arguments(DocumentVerifyPdfSchema, location="files")
    @blp.response(200, DocumentVerificationSchema)
    def post(self, files):
        """Verify a downloaded PDF (multipart field `file`): its PAdES signature, its token and every byte"""
        upload = read_upload(files["file"], field="file", allowed=(PDF,), max_bytes=VERIFY_PDF_MAX_BYTES)
        return _verified(lambda: service.verify_pdf(session=db.session, pdf=upload.data), "pdf")

    post.accepts_content_types = ("multipart/form-data",)


@blp.route("/identity-qr")
class IdentityQr(MethodView):
    @access(CITIZEN, level=2)
    @blp.response(200, IdentityQrSchema)
    def get(self):
        """A signed identity token (valid ~2 minutes) to show as a QR code at a kiosk or to an officer"""
        token, expires_at = service.identity_token(session=db.session, principal=current_principal())
        return {"token": token, "expires_at": expires_at, "qr_svg": segno.make(token, error="m").svg_inline(scale=3)}


@well_known.get("/.well-known/jwks.json")
def jwks():
    """The public keys documents and identity QRs are signed with (current and previous)."""
    response = jsonify(keyring().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
