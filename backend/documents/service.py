"""Issuing, listing, revoking and verifying signed documents; minting identity QR tokens."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from backend.core import clock
from backend.core.access import CITIZEN, Principal
from backend.core.keys import KeyRing, keyring
from backend.documents.models import SignedDocument
from backend.documents.pdf import DocumentLayout, Line, render_pdf
from backend.errors import Forbidden, NotFound
from backend.registry.models import Citizen
from shared_schemas import signed as jws
from shared_schemas.text import mask_personal_id

log = logging.getLogger(__name__)

DEFAULT_ISSUER = "https://congdan.gov.vn"
IDENTITY_TOKEN_LIFETIME = timedelta(seconds=120)
VALID, EXPIRED, REVOKED, TAMPERED = "valid", "expired", "revoked", "tampered"
_PDF_TOKEN = re.compile(rb"congdan-jws:([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@dataclass(frozen=True)
class Verification:
    """What a verifier learns about a document; `reason` says why it is not valid."""

    status: str
    reason: str | None = None
    document: SignedDocument | None = None
    claims: dict | None = None


def issuer() -> str:
    return current_app.config.get("DOCUMENT_ISSUER") or DEFAULT_ISSUER


def issue_document(*, session: Session, holder: Citizen, doc_type: str, title_vi: str, title_en: str,
                   lines: list[Line], content: dict, validity: timedelta, source_ref: str | None = None,
                   note_vi: str = "", note_en: str = "", now: datetime | None = None,
                   keys: KeyRing | None = None) -> SignedDocument:
    """Sign `content`, render it as PDF with the token in a QR, and store both."""
    keys = keys or keyring()
    now = (now or clock.now()).replace(microsecond=0)
    document_id = str(uuid.uuid4())
    expires_at = now + validity
    claims = {"iss": issuer(), "doc": doc_type, "did": document_id,
              "hid": mask_personal_id(holder.personal_id),
              "iat": int(now.timestamp()), "exp": int(expires_at.timestamp()),
              "sha256": jws.content_sha256(content)}
    signing_key = keys.current
    token = jws.sign_compact(claims, signing_key.private, signing_key.kid, jws.DOCUMENT_TOKEN_TYPE)
    base_url = current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_ISSUER
    layout = DocumentLayout(
        title_vi=title_vi, title_en=title_en, issuer_vi="Bộ Công an - Cơ sở dữ liệu về cư trú",
        issuer_en="Ministry of Public Security - Residence Database", lines=lines, document_id=document_id,
        issued_at=now, expires_at=expires_at, verify_url=f"{base_url}/api/v1/documents/verify",
        note_vi=note_vi, note_en=note_en)
    pdf = render_pdf(layout, token)
    document = SignedDocument(
        id=document_id, doc_type=doc_type, holder_citizen_id=holder.id, source_ref=source_ref,
        content_json=jws.canonical_content(content).decode("utf-8"), content_sha256=claims["sha256"], pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(), token=token, kid=signing_key.kid, issued_at=now,
        expires_at=expires_at)
    session.add(document)
    session.flush()
    log.info("issued %s document %s (kid %s)", doc_type, document_id, signing_key.kid)
    return document


def revoke_for_holder(*, session: Session, citizen_id: int, doc_type: str, reason: str,
                      now: datetime | None = None) -> int:
    """Void the holder's unrevoked documents of this type (their facts changed)."""
    now = now or clock.now()
    documents = session.scalars(
        sa.select(SignedDocument)
        .where(SignedDocument.holder_citizen_id == citizen_id, SignedDocument.doc_type == doc_type,
               SignedDocument.revoked_at.is_(None), SignedDocument.expires_at > now)
    ).all()
    for document in documents:
        document.revoked_at, document.revoked_reason = now, reason
    return len(documents)


def list_own(*, session: Session, principal: Principal) -> list[SignedDocument]:
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only a citizen account holds documents.")
    return list(session.scalars(
        sa.select(SignedDocument).where(SignedDocument.holder_citizen_id == principal.citizen_id)
        .order_by(SignedDocument.issued_at.desc(), SignedDocument.id)))


def get_own(*, session: Session, principal: Principal, document_id: str) -> SignedDocument:
    document = session.get(SignedDocument, document_id)
    # Someone else's document answers like a missing one: its id alone reveals nothing.
    if document is None or not principal.is_citizen(document.holder_citizen_id):
        raise NotFound("No such document among yours.")
    return document


def verify(*, session: Session, token: str, content: dict | None = None, pdf: bytes | None = None,
           now: datetime | None = None, keys: KeyRing | None = None) -> Verification:
    """The online verdict: valid, expired, revoked or tampered (and why)."""
    keys = keys or keyring()
    now = now or clock.now()
    try:
        verified = jws.verify_document_token(token, keys.jwks(), now, content=content)
    except jws.TokenExpired:
        verified = jws.verify_signature(token, keys.jwks(), typ=jws.DOCUMENT_TOKEN_TYPE)
    except jws.ContentMismatch:
        return Verification(TAMPERED, "content-mismatch")
    except jws.UnknownKey:
        return Verification(TAMPERED, "unknown-key")
    except (jws.BadSignature, jws.MalformedToken, jws.WrongTokenType, jws.InvalidClaims,
            jws.TokenNotYetValid):
        return Verification(TAMPERED, "bad-signature")
    document = session.get(SignedDocument, verified.claims["did"])
    if document is None or document.token != token.strip():
        return Verification(TAMPERED, "unknown-document")
    if pdf is not None and hashlib.sha256(pdf).hexdigest() != document.pdf_sha256:
        return Verification(TAMPERED, "pdf-modified", document, verified.claims)
    ended_by_revocation = document.revoked_at is not None and document.revoked_at < document.expires_at
    if ended_by_revocation and document.revoked_at <= now:
        return Verification(REVOKED, document.revoked_reason, document, verified.claims)
    if now >= document.expires_at:
        return Verification(EXPIRED, "validity-period-ended", document, verified.claims)
    return Verification(VALID, None, document, verified.claims)


def verify_pdf(*, session: Session, pdf: bytes, now: datetime | None = None) -> Verification:
    """Verify a PDF as downloaded: the token it carries, and every byte of the file."""
    match = _PDF_TOKEN.search(pdf)
    if match is None:
        return Verification(TAMPERED, "no-signature")
    return verify(session=session, token=match.group(1).decode("ascii"), pdf=pdf, now=now)


def identity_token(*, session: Session, principal: Principal, now: datetime | None = None,
                   keys: KeyRing | None = None) -> tuple[str, datetime]:
    """A short-lived signed identity token for the citizen's QR; kiosks verify it offline with the JWKS."""
    citizen = session.get(Citizen, principal.citizen_id) if principal.citizen_id else None
    if principal.role != CITIZEN or citizen is None:
        raise Forbidden("Only a citizen account has an identity QR.")
    keys = keys or keyring()
    now = (now or clock.now()).replace(microsecond=0)
    expires_at = now + IDENTITY_TOKEN_LIFETIME
    claims = {"iss": issuer(), "sub": citizen.personal_id, "name": citizen.full_name,
              "dob": citizen.date_of_birth.isoformat(), "lvl": principal.level, "iat": int(now.timestamp()),
              "exp": int(expires_at.timestamp()), "jti": uuid.uuid4().hex}
    token = jws.sign_compact(claims, keys.current.private, keys.current.kid, jws.IDENTITY_TOKEN_TYPE)
    return token, expires_at


def document_content(document: SignedDocument) -> dict:
    return json.loads(document.content_json)
